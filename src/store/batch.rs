//! Group commit: writes from several threads share one transaction and one fsync.
//!
//! A writer queues its operation, then takes the commit lock. Whoever holds the lock drains the
//! whole queue, runs the operations in queue order in one transaction, commits, and hands each
//! operation its result; a writer whose operation was already committed by another just returns.
//! The result is the same as running the operations one after another in queue order.

use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::store::write::{SaveOutcome, Writer};
use crate::token::Token;

pub(crate) enum WriteOp {
    Save(Box<Token>),
    Delete(String),
    DeleteAll,
}

pub(crate) enum WriteResult {
    Saved(Box<Token>, SaveOutcome),
    Deleted,
    Cleared,
}

type Slot = Arc<Mutex<Option<Result<WriteResult, Error>>>>;

#[derive(Default)]
pub(crate) struct Batcher {
    queue: Mutex<Vec<(WriteOp, Slot)>>,
    commit: Mutex<()>,
}

/// Applies each operation in order. An operation refused for its input (not found, missing
/// details…) changed nothing (see `write.rs`) and gets its error; the others go on. Any other
/// error may come after a partial change, so it aborts the whole transaction, and every
/// operation of the batch gets it.
pub(crate) fn apply_all(
    writer: &mut Writer<'_>,
    ops: Vec<WriteOp>,
) -> Result<Vec<Result<WriteResult, Error>>, Error> {
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let result = match op {
            WriteOp::Save(mut token) => writer
                .save(&mut token)
                .map(|outcome| WriteResult::Saved(token, outcome)),
            WriteOp::Delete(id) => writer.delete(&id).map(|()| WriteResult::Deleted),
            WriteOp::DeleteAll => writer.delete_all().map(|()| WriteResult::Cleared),
        };
        match result {
            Err(e) if !is_refusal(&e) => return Err(e),
            other => results.push(other),
        }
    }
    Ok(results)
}

/// Errors raised before an operation's first mutation, because of its input.
fn is_refusal(e: &Error) -> bool {
    matches!(
        e,
        Error::TokenNotFound { .. }
            | Error::MissingAuthDetails
            | Error::InvalidId { .. }
            | Error::TokenTooLarge { .. }
            | Error::SealBudgetExhausted
    )
}

impl Batcher {
    /// Queues `op` and returns its result once a transaction holding it has committed.
    /// `run` executes a batch in one transaction and commits it.
    pub(crate) fn submit(
        &self,
        op: WriteOp,
        run: impl FnOnce(Vec<WriteOp>) -> Result<Vec<Result<WriteResult, Error>>, Error>,
    ) -> Result<WriteResult, Error> {
        let slot: Slot = Arc::new(Mutex::new(None));
        lock(&self.queue).push((op, slot.clone()));
        let _commit = lock(&self.commit);
        if let Some(done) = lock(&slot).take() {
            return done;
        }
        let batch = std::mem::take(&mut *lock(&self.queue));
        let (ops, slots): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        match run(ops) {
            Ok(results) => {
                for (slot, result) in slots.iter().zip(results) {
                    *lock(slot) = Some(result);
                }
            }
            Err(e) => {
                for slot in &slots {
                    *lock(slot) = Some(Err(replicate(&e)));
                }
            }
        }
        let mine = lock(&slot).take();
        mine.unwrap_or_else(|| Err(Error::corrupted("internal: write result missing")))
    }
}

impl Batcher {
    /// Runs `f` holding the commit lock, so no batch of this process runs meanwhile.
    pub(crate) fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        let _commit = lock(&self.commit);
        f()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The same error for every operation of a failed batch (errors are not `Clone`: `io::Error`).
fn replicate(e: &Error) -> Error {
    match e {
        Error::Busy { waited } => Error::Busy { waited: *waited },
        Error::Corrupted { what } => Error::Corrupted { what: what.clone() },
        Error::KeyChanged => Error::KeyChanged,
        Error::SealBudgetExhausted => Error::SealBudgetExhausted,
        Error::Io(io) => Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        Error::Server { what } => Error::Server { what: what.clone() },
        Error::ServerUnreachable { server, reason } => Error::ServerUnreachable {
            server: server.clone(),
            reason: reason.clone(),
        },
        other => Error::Io(std::io::Error::other(other.to_string())),
    }
}
