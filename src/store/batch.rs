//! Group commit: writes from several threads share one transaction and one fsync.
//!
//! A writer queues its operation, then takes the commit lock if it is free. Whoever holds the
//! lock drains the whole queue, runs the operations in queue order in one transaction, commits,
//! and hands each operation its result; a writer whose operation was committed by another just
//! returns. The result is the same as running the operations one after another in queue order.
//!
//! Writers that find the lock taken wait on a condition variable, not on the lock: a writer whose
//! result is ready must not queue behind the next batch's commit to collect it, or the next
//! leader would commit a batch of one while the others wait (which made 8 writers barely faster
//! than one).

use std::sync::{Arc, Condvar, Mutex, PoisonError, TryLockError};
use std::time::Duration;

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
    /// Bumped (and `released` notified) each time the commit lock is given up.
    releases: Mutex<u64>,
    released: Condvar,
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
        let _commit = loop {
            // Read before looking at the slot and the lock, so a release in between is seen.
            let seen = *lock(&self.releases);
            if let Some(done) = lock(&slot).take() {
                return done;
            }
            match self.commit.try_lock() {
                Ok(guard) => break Release(Some(guard), self),
                Err(TryLockError::Poisoned(e)) => break Release(Some(e.into_inner()), self),
                Err(TryLockError::WouldBlock) => {
                    let releases = lock(&self.releases);
                    if *releases == seen {
                        // The timeout only guards against a missed wake-up; it never decides.
                        let _ = self
                            .released
                            .wait_timeout(releases, Duration::from_millis(50))
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                }
            }
        };
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
        mine.unwrap_or_else(|| Err(Error::internal("a batched write ended without a result")))
    }
}

/// The commit lock, held; dropping it wakes the writers waiting for it or for their results.
struct Release<'a>(Option<std::sync::MutexGuard<'a, ()>>, &'a Batcher);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        // Unlock first, so every writer woken below can take the lock.
        drop(self.0.take());
        *lock(&self.1.releases) += 1;
        self.1.released.notify_all();
    }
}

impl Batcher {
    /// Runs `f` holding the commit lock, so no batch of this process runs meanwhile.
    pub(crate) fn exclusive<R>(&self, f: impl FnOnce() -> R) -> R {
        let _commit = Release(Some(lock(&self.commit)), self);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn save(id: usize) -> WriteOp {
        WriteOp::Save(Box::new(Token {
            id: Some(id.to_string()),
            ..Token::default()
        }))
    }

    /// Echoes each save back as its result, as `apply_all` would, after `pause`.
    fn echo(
        pause: Duration,
        batches: &Mutex<Vec<usize>>,
    ) -> impl FnOnce(Vec<WriteOp>) -> Result<Vec<Result<WriteResult, Error>>, Error> + '_ {
        move |ops| {
            std::thread::sleep(pause);
            lock(batches).push(ops.len());
            Ok(ops
                .into_iter()
                .map(|op| match op {
                    WriteOp::Save(t) => Ok(WriteResult::Saved(t, SaveOutcome::Inserted)),
                    _ => Ok(WriteResult::Cleared),
                })
                .collect())
        }
    }

    #[test]
    fn every_concurrent_writer_gets_the_result_of_its_own_operation() {
        let batcher = Batcher::default();
        let batches = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for thread in 0..8 {
                let (batcher, batches) = (&batcher, &batches);
                s.spawn(move || {
                    for k in 0..50 {
                        let id = thread * 1000 + k;
                        let pause = Duration::from_micros(200);
                        match batcher.submit(save(id), echo(pause, batches)) {
                            Ok(WriteResult::Saved(t, _)) => {
                                assert_eq!(t.id, Some(id.to_string()))
                            }
                            _ => panic!("wrong result for {id}"),
                        }
                    }
                });
            }
        });
        // Every operation ran exactly once.
        assert_eq!(lock(&batches).iter().sum::<usize>(), 8 * 50);
    }

    #[test]
    fn a_failed_batch_gives_every_operation_the_error() {
        let batcher = Batcher::default();
        let result = batcher.submit(save(1), |_| Err(Error::KeyChanged));
        assert!(matches!(result, Err(Error::KeyChanged)));
    }

    #[test]
    fn writers_waiting_behind_exclusive_work_proceed_when_it_ends() {
        let batcher = Batcher::default();
        let batches = Mutex::new(Vec::new());
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            let b = &batcher;
            s.spawn(move || {
                b.exclusive(|| {
                    started_tx.send(()).unwrap();
                    std::thread::sleep(Duration::from_millis(50));
                })
            });
            started_rx.recv().unwrap();
            for id in 0..4 {
                let (b, batches) = (&batcher, &batches);
                s.spawn(move || {
                    assert!(b.submit(save(id), echo(Duration::ZERO, batches)).is_ok());
                });
            }
        });
        assert_eq!(lock(&batches).iter().sum::<usize>(), 4);
    }
}
