//! A read snapshot kept while the vault file is unchanged: a shared-mode read reuses the last
//! read transaction (and the tables it opened) for as long as redb's file header is byte for
//! byte what it was before that transaction began.
//!
//! Why: in redb's multi-writer mode every read transaction takes and releases a byte-range lock
//! (`fcntl`, two system calls) and re-reads the file header under a lock, and every table open
//! is a b-tree search: about half of a lookup's time (docs/BENCHMARKS.md). Reading the header
//! bytes (one `pread`) and comparing them costs far less.
//!
//! Why it is exact: every redb commit rewrites the header (the commit slot it fills carries a new
//! transaction id, and the god byte that publishes it flips), so a header that reads as before
//! means that no commit was published since. The header is read *before* the transaction begins:
//! the transaction then shows that state or a later one, and the stamp, if later, no longer
//! matches. A torn read of the header matches no header that is later in the file, since the
//! transaction ids only grow. Reads of this process see its own commits at once (a commit
//! changes the header).
//!
//! What it costs: a kept transaction pins its snapshot, which stops writers (in any process) from
//! reusing the pages freed after it. A snapshot is therefore kept for [`KEPT_FOR`] after its last
//! use only: a reaper thread (one per handle while it reads, started with a kept snapshot and
//! ended once nothing is kept, or with the handle) drops it once idle, so the pin does not
//! outlive the reads.
//!
//! A cheaper freshness check inside redb (a "latest transaction id" of a read-only handle) would
//! spare the `pread` and the reliance on the header's layout; that would be a change to propose
//! upstream. What this module relies on is only that a commit changes the file's first
//! [`STAMP_LEN`] bytes, which redb's file format (god byte and both commit slots) guarantees.

use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use redb::ReadTransaction;

use super::tables::{LazyTables, SharedTables};
use crate::error::Error;

/// The bytes of redb's file header: magic, god byte, layout, and both commit slots (redb 4.x,
/// file format 3: `DB_HEADER_SIZE`).
const STAMP_LEN: usize = 320;
/// How long a snapshot is kept after its last use.
pub(super) const KEPT_FOR: Duration = Duration::from_millis(100);

type Stamp = [u8; STAMP_LEN];

/// The kept snapshot, and the file whose header stamps it.
pub(super) struct Snapshots {
    /// The vault file, read-only: the same open file the database reads.
    file: File,
    state: Arc<Mutex<State>>,
}

/// What the reads and the reaper share.
#[derive(Default)]
struct State {
    kept: Option<Kept>,
    /// Whether the reaper thread runs: from the first kept snapshot until it drops one and
    /// finds nothing kept since (so an idle handle has no thread waking up).
    reaping: bool,
}

struct Kept {
    stamp: Stamp,
    tables: Arc<LazyTables<'static>>,
    used: Instant,
}

impl Snapshots {
    /// Snapshots of the vault file the database has open (`opened`, a duplicate of its file
    /// handle). The header is read through a handle of its own, opened on the path and checked to
    /// be the same file: a duplicate would share the database's open file description, and with
    /// it redb's file locks, which would then outlive the database's close. Linux only, where
    /// redb's locks are per open file description; elsewhere (and if the path no longer names
    /// that file) `None`: every read begins a transaction.
    pub(super) fn of(opened: File, path: &Path) -> Option<Snapshots> {
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::fs::MetadataExt;
            let same = |a: &std::fs::Metadata, b: &std::fs::Metadata| {
                a.dev() == b.dev() && a.ino() == b.ino()
            };
            let theirs = opened.metadata().ok()?;
            drop(opened);
            let file = File::open(path).ok()?;
            if !same(&file.metadata().ok()?, &theirs) {
                return None;
            }
            Some(Snapshots {
                file,
                state: Arc::default(),
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (opened, path);
            None
        }
    }

    /// The tables of a snapshot of the latest commit: the kept one while the file's header is
    /// unchanged, else a new one from `begin` (which is then kept).
    pub(super) fn read(
        &self,
        name: &Path,
        begin: impl FnOnce() -> Result<ReadTransaction, Error>,
    ) -> Result<SharedTables, Error> {
        // A header that cannot be read is taken as changed (the transaction then reports the
        // file's trouble, if any); such a snapshot is not kept.
        let stamp = self.stamp();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(now), Some(k)) = (&stamp, state.kept.as_mut()) {
            if k.stamp == *now {
                k.used = Instant::now();
                return Ok(SharedTables(k.tables.clone()));
            }
        }
        // Begun after the stamp was read: it shows that state or a later one.
        let tables = Arc::new(LazyTables::new(begin()?, name.to_path_buf()));
        // Kept only with a reaper to drop it once idle: a kept snapshot pins its pages.
        state.kept = match stamp {
            Some(stamp) if self.reaper_runs(&mut state) => Some(Kept {
                stamp,
                tables: tables.clone(),
                used: Instant::now(),
            }),
            _ => None,
        };
        Ok(SharedTables(tables))
    }

    /// Drops the kept snapshot (before the database closes, or a compaction needs none live).
    pub(super) fn forget(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .kept = None;
    }

    #[cfg(unix)]
    fn stamp(&self) -> Option<Stamp> {
        use std::os::unix::fs::FileExt;
        let mut stamp = [0u8; STAMP_LEN];
        self.file.read_exact_at(&mut stamp, 0).ok().map(|()| stamp)
    }

    #[cfg(not(unix))]
    fn stamp(&self) -> Option<Stamp> {
        let _ = &self.file;
        None
    }

    /// Whether the thread that drops the kept snapshot once it has been idle for [`KEPT_FOR`]
    /// runs, starting it if it does not (`state` is locked by the caller). It ends when nothing
    /// is kept any more, or the handle is dropped.
    fn reaper_runs(&self, state: &mut State) -> bool {
        if !state.reaping {
            let shared: Weak<Mutex<State>> = Arc::downgrade(&self.state);
            state.reaping = std::thread::Builder::new()
                .name("tokenvault-snapshots".into())
                .spawn(move || reap(&shared))
                .is_ok();
        }
        state.reaping
    }
}

fn reap(shared: &Weak<Mutex<State>>) {
    loop {
        std::thread::sleep(KEPT_FOR);
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
        match &state.kept {
            Some(kept) if kept.used.elapsed() < KEPT_FOR => {}
            Some(_) => state.kept = None,
            None => {
                state.reaping = false;
                return;
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use redb::{ConcurrencyMode, Database, ReadableDatabase};

    fn shared_database(path: &Path) -> Database {
        let mut builder = Database::builder();
        builder.set_concurrency_mode(ConcurrencyMode::MultiWriter);
        let db = builder.create(path).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(redb::TableDefinition::<u64, u64>::new("t"))
            .unwrap();
        txn.commit().unwrap();
        db
    }

    #[test]
    fn a_kept_snapshot_is_reused_until_a_commit_and_dropped_once_idle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let db = shared_database(&path);
        let snapshots = Snapshots::of(File::open(&path).unwrap(), &path).unwrap();
        let begin = || db.begin_read().map_err(super::super::storage);
        let first = snapshots.read(&path, begin).unwrap();
        let again = snapshots.read(&path, begin).unwrap();
        assert!(
            Arc::ptr_eq(&first.0, &again.0),
            "an unchanged file reuses the snapshot"
        );

        let txn = db.begin_write().unwrap();
        txn.open_table(redb::TableDefinition::<u64, u64>::new("t"))
            .unwrap()
            .insert(1, 1)
            .unwrap();
        txn.commit().unwrap();
        let after = snapshots.read(&path, begin).unwrap();
        assert!(!Arc::ptr_eq(&first.0, &after.0), "a commit renews it");
        drop((first, again, after));

        // Idle: the reaper drops the snapshot (and its pin), then ends. Waited for, not timed:
        // a loaded machine may run the reaper late.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = snapshots.state.lock().unwrap();
            if state.kept.is_none() && !state.reaping {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "an idle snapshot was still kept, or the reaper still ran, after 30 s"
            );
            drop(state);
            std::thread::sleep(KEPT_FOR / 4);
        }
    }
}
