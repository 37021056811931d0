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

/// Where one operation's result is left for the thread that queued it.
pub(crate) type Pending<R> = Arc<Mutex<Outcome<R>>>;

/// One operation's result: staged while its transaction runs, published (and only then seen by
/// the thread that queued it) once the transaction has committed or failed as a whole.
pub(crate) struct Outcome<R> {
    staged: Option<Result<R, Error>>,
    published: Option<Result<R, Error>>,
}

impl<R> Default for Outcome<R> {
    fn default() -> Self {
        Outcome {
            staged: None,
            published: None,
        }
    }
}

impl<R> Outcome<R> {
    fn stage(&mut self, result: Result<R, Error>) {
        self.staged = Some(result);
    }

    /// The transaction ended: with `Ok`, the staged result stands; with an error, every
    /// operation of the batch has that error (its staged result was rolled back).
    fn publish(&mut self, batch: &Result<(), Error>) {
        let staged = self.staged.take();
        self.published = Some(match batch {
            Ok(()) => {
                staged.unwrap_or_else(|| Err(Error::internal("a batched write was not applied")))
            }
            Err(e) => Err(e.clone()),
        });
    }
}

/// A queued write, with the typed pending its result goes to.
pub(crate) enum WriteOp {
    Save(Box<Token>, Pending<(Box<Token>, SaveOutcome)>),
    Delete(String, Pending<()>),
    DeleteAll(Pending<()>),
}

impl WriteOp {
    /// A save of `token`, and the pending its result will be in.
    pub(crate) fn save(token: Token) -> (WriteOp, Pending<(Box<Token>, SaveOutcome)>) {
        let pending = Pending::default();
        (WriteOp::Save(Box::new(token), pending.clone()), pending)
    }

    /// A delete of the token `id`, and the pending its result will be in.
    pub(crate) fn delete(id: &str) -> (WriteOp, Pending<()>) {
        let pending = Pending::default();
        (WriteOp::Delete(id.to_string(), pending.clone()), pending)
    }

    /// A delete of every token, and the pending its result will be in.
    pub(crate) fn delete_all() -> (WriteOp, Pending<()>) {
        let pending = Pending::default();
        (WriteOp::DeleteAll(pending.clone()), pending)
    }

    /// The batch this operation was in ended (committed, rolled back, or failed as a whole):
    /// its result becomes visible to the thread that queued it.
    fn publish(&self, batch: &Result<(), Error>) {
        match self {
            WriteOp::Save(_, pending) => lock(pending).publish(batch),
            WriteOp::Delete(_, pending) | WriteOp::DeleteAll(pending) => {
                lock(pending).publish(batch)
            }
        }
    }
}

#[derive(Default)]
pub(crate) struct Batcher {
    queue: Mutex<Vec<WriteOp>>,
    commit: Mutex<()>,
    /// Bumped (and `released` notified) each time the commit lock is given up.
    releases: Mutex<u64>,
    released: Condvar,
}

/// Applies each operation in order, leaving each result in its pending, and says whether any was
/// applied. An operation refused for its input (not found, missing details…) changed nothing
/// (see `write.rs`) and gets its error; the others go on. Any other error may come after a
/// partial change, so it aborts the whole transaction (the caller gives every operation of the
/// batch that error).
pub(crate) fn apply_all(writer: &mut Writer<'_>, ops: &[WriteOp]) -> Result<bool, Error> {
    let mut applied = false;
    for op in ops {
        match op {
            WriteOp::Save(token, pending) => {
                let mut token = token.clone();
                let result = writer.save(&mut token).map(|outcome| (token, outcome));
                applied |= keep(result, pending)?;
            }
            WriteOp::Delete(id, pending) => applied |= keep(writer.delete(id), pending)?,
            WriteOp::DeleteAll(pending) => applied |= keep(writer.delete_all(), pending)?,
        }
    }
    Ok(applied)
}

/// Leaves `result` in `pending` and says whether the operation was applied; an error that is not a
/// refusal is returned instead, to abort the batch.
fn keep<R>(result: Result<R, Error>, pending: &Pending<R>) -> Result<bool, Error> {
    match result {
        Err(e) if !is_refusal(&e) => Err(e),
        result => {
            let applied = result.is_ok();
            lock(pending).stage(result);
            Ok(applied)
        }
    }
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
    /// Queues `op` and returns the result left in `pending` (`op`'s own) once the transaction
    /// holding it has ended. `run` executes a batch in one transaction, leaving each
    /// operation's result in its pending (`apply_all`); when it fails, every operation of the batch
    /// gets its error.
    pub(crate) fn submit<R>(
        &self,
        (op, pending): (WriteOp, Pending<R>),
        run: impl FnOnce(&[WriteOp]) -> Result<(), Error>,
    ) -> Result<R, Error> {
        lock(&self.queue).push(op);
        let _commit = loop {
            // Read before looking at the pending and the lock, so a release in between is seen.
            let seen = *lock(&self.releases);
            if let Some(done) = lock(&pending).published.take() {
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
        if let Some(done) = lock(&pending).published.take() {
            return done;
        }
        let batch = std::mem::take(&mut *lock(&self.queue));
        let ended = run(&batch);
        for op in &batch {
            op.publish(&ended);
        }
        // Every operation of a batch has its result published before the commit lock is
        // released, and this one was in the batch just run.
        let mine = lock(&pending).published.take();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn save(id: usize) -> (WriteOp, Pending<(Box<Token>, SaveOutcome)>) {
        WriteOp::save(Token {
            id: Some(id.to_string()),
            ..Token::default()
        })
    }

    /// Echoes each save back as its result, as `apply_all` would, after `pause`.
    fn echo(
        pause: Duration,
        batches: &Mutex<Vec<usize>>,
    ) -> impl FnOnce(&[WriteOp]) -> Result<(), Error> + '_ {
        move |ops| {
            std::thread::sleep(pause);
            lock(batches).push(ops.len());
            for op in ops {
                match op {
                    WriteOp::Save(t, pending) => {
                        lock(pending).stage(Ok((t.clone(), SaveOutcome::Inserted)))
                    }
                    WriteOp::Delete(_, pending) | WriteOp::DeleteAll(pending) => {
                        lock(pending).stage(Ok(()))
                    }
                }
            }
            Ok(())
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
                        let (token, _) = batcher.submit(save(id), echo(pause, batches)).unwrap();
                        assert_eq!(token.id, Some(id.to_string()), "wrong result for {id}");
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

    /// A bug (`Internal`, exit 70), a vault held elsewhere (`AlreadyOpen`) or damage reaches the
    /// writers of the failed batch as itself, not as an I/O error (exit 2).
    #[test]
    fn every_writer_of_a_failed_batch_gets_the_same_error_whatever_its_kind() {
        let kinds: [fn() -> Error; 3] = [
            || Error::internal("an invariant of the batch"),
            || Error::AlreadyOpen,
            || Error::corrupted("record 7"),
        ];
        for make in kinds {
            let batcher = Batcher::default();
            let got = batcher
                .submit(save(1), |_| Err(make()))
                .map(drop)
                .unwrap_err();
            let expected = make();
            assert_eq!(
                (std::mem::discriminant(&got), got.to_string()),
                (std::mem::discriminant(&expected), expected.to_string()),
                "the batch's error reached its writer as another kind"
            );
        }
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
