//! The redb engine: the vault's tables in one redb database (FORMAT.md §Tables) — a file shared
//! by several processes in redb's `MultiWriter` mode or held by one in its `ExclusiveWriter` mode
//! (`OpenOptions::single_process`), memory, or a caller's storage backend. redb's errors are
//! mapped onto [`Error`] here.
//!
//! Split by concept: this file is the engine (the [`Engine`] methods over a redb `Database`, and
//! the one mapping of redb's errors); `tables.rs` is the table adapter (the vault's tables and
//! `ReadTables`/`WriteTables` over them); `file.rs` is the vault file (created exclusively,
//! viewed read-only, opened for writing, recognised while another process creates it).

mod file;
mod snapshot;
mod tables;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use redb::backends::InMemoryBackend;
use redb::{ConcurrencyMode, Database, ReadableDatabase, StorageBackend};

use crate::backoff::with_backoff;
use crate::engines::bounded_locks::{BoundedLocks, lock_timeout};
use crate::engines::{Engine, ReadTables, WriteTxn, guarded};
use crate::error::Error;
use crate::options::OpenOptions;

use file::{open_error, open_writable, open_writable_file};
use snapshot::Snapshots;
use tables::{LazyTables, RedbWrite};

/// Maps redb's errors onto ours: I/O and corruption keep their meaning, a lock wait that ran
/// out is `Busy`, the rest is `Storage`.
fn storage(e: impl Into<redb::Error>) -> Error {
    match e.into() {
        redb::Error::Io(io) => match lock_timeout(&io) {
            Some(waited) => Error::Busy { waited },
            None => Error::from(io),
        },
        redb::Error::Corrupted(what) => Error::Corrupted {
            what: format!("storage engine: {what}"),
        },
        redb::Error::DatabaseAlreadyOpen => Error::AlreadyOpen,
        other => Error::Storage(crate::error::StorageError::new(other.to_string())),
    }
}

/// The builder every vault database is opened with: shared by several processes, or held by one
/// (`single_process`: redb's exclusive mode, which locks the whole file for the handle's life
/// and spares each transaction the cross-process locking and header re-read).
fn builder(single_process: bool, check_integrity: bool) -> redb::Builder {
    let mut b = Database::builder();
    b.set_concurrency_mode(if single_process {
        ConcurrencyMode::ExclusiveWriter
    } else {
        ConcurrencyMode::MultiWriter
    });
    b.set_check_integrity_on_open(check_integrity);
    b
}

/// The database: writable, or a read-only view of a file (`Access::Inspect`).
enum Db {
    Writable(Database),
    ReadOnly(redb::ReadOnlyDatabase),
}

/// A vault in a redb database.
pub(crate) struct RedbEngine {
    /// A shared file's read snapshot, kept while the file is unchanged (`snapshot.rs`).
    /// Declared first, so that it is dropped before the database closes.
    snapshots: Option<Snapshots>,
    /// What reads go through: the writable database, or a read-only view of the file.
    db: Db,
    /// For a file read through a view: the database opened for writing at the first write, once
    /// [`Engine::into_writable`] has allowed writes (see [`RedbEngine::writable`]).
    writer: OnceLock<Database>,
    /// Whether a write may open [`RedbEngine::writer`]: an engine for `Vault::inspect` never may.
    writes_allowed: bool,
    /// Held while [`RedbEngine::writer`] is being opened, so that two threads' first writes open
    /// the file once.
    opening_writer: Mutex<()>,
    /// Where it lives, for messages.
    name: PathBuf,
    /// The file, for a file engine: its size, re-opening for writing, removal of a new one.
    file: Option<PathBuf>,
    /// This engine created the file (`Access::Create`).
    created: bool,
    options: OpenOptions,
}

impl RedbEngine {
    /// A vault in memory, held by this handle alone.
    pub(crate) fn memory(options: &OpenOptions) -> Result<Box<dyn Engine>, Error> {
        let options = options.clone().single_process(true);
        let backend = Box::new(InMemoryBackend::new());
        RedbEngine::backend(backend, Path::new("<memory>"), &options)
    }

    /// A vault on a caller's backend. A backend without file locks (redb's `InMemoryBackend`)
    /// needs `single_process`. Opened for writing at once (a backend cannot be opened twice), with
    /// the integrity check where `check_integrity` asks for it, as for files: without it redb
    /// trusts page pointers it has not verified, and a damaged one may size a read buffer of up
    /// to 4 GiB before the read fails.
    pub(crate) fn backend(
        backend: Box<dyn StorageBackend>,
        name: &Path,
        options: &OpenOptions,
    ) -> Result<Box<dyn Engine>, Error> {
        let backend = BoundedLocks::boxed(backend, options.busy_timeout);
        let builder = builder(options.single_process, options.check_integrity);
        let db = guarded("opening the backend", || {
            builder
                .create_with_backend(backend)
                .map_err(|e| open_error(e, name))
        })?;
        Ok(Box::new(RedbEngine::new(
            Db::Writable(db),
            name.to_path_buf(),
            None,
            false,
            options.clone(),
        )))
    }

    fn new(
        db: Db,
        name: PathBuf,
        file: Option<PathBuf>,
        created: bool,
        options: OpenOptions,
    ) -> RedbEngine {
        RedbEngine {
            snapshots: None,
            db,
            writer: OnceLock::new(),
            writes_allowed: false,
            opening_writer: Mutex::new(()),
            name,
            file,
            created,
            options,
        }
    }

    /// The database to write through. A file read through a view is opened for writing here, at
    /// the first write of the handle, once: a handle that only reads never takes the write lock,
    /// writes a byte or syncs (docs/RELIABILITY.md §Reads write nothing). The open is redb's
    /// multi-writer open, the one every process of the vault makes: it waits (up to the busy
    /// timeout) for another process's write transaction, and follows redb's recovery rules.
    fn writable(&self) -> Result<&Database, Error> {
        if let Db::Writable(db) = &self.db {
            return Ok(db);
        }
        if let Some(db) = self.writer.get() {
            return Ok(db);
        }
        let (true, Some(path)) = (self.writes_allowed, &self.file) else {
            return Err(Error::internal(
                "a write on a read-only view of the vault file",
            ));
        };
        let _opening = self
            .opening_writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self.writer.get().is_none() {
            let db = guarded("opening the file for writing", || {
                open_writable(path, &self.options)
            })?;
            // Only this thread sets it, under `opening_writer`: it cannot be set already.
            let _ = self.writer.set(db);
        }
        self.writer
            .get()
            .ok_or_else(|| Error::internal("the vault file's writer was not kept"))
    }
}

impl Engine for RedbEngine {
    fn begin_read(&self) -> Result<Box<dyn ReadTables + '_>, Error> {
        let begin = || {
            match &self.db {
                Db::Writable(db) => db.begin_read(),
                Db::ReadOnly(db) => db.begin_read(),
            }
            .map_err(storage)
        };
        match &self.snapshots {
            Some(snapshots) => Ok(Box::new(snapshots.read(&self.name, begin)?)),
            None => Ok(Box::new(LazyTables::new(begin()?, self.name.as_path()))),
        }
    }

    /// Waits up to the busy timeout for other processes' write transactions.
    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, Error> {
        let db = self.writable()?;
        let txn = if self.options.single_process {
            // In-process writers are already serialized by the batcher's commit lock.
            db.begin_write().map_err(storage)?
        } else {
            with_backoff(
                self.options.busy_timeout,
                || match db.try_begin_write() {
                    Ok(txn) => Ok(Some(txn)),
                    Err(redb::TransactionError::WouldBlock) => Ok(None),
                    Err(e) => Err(storage(e)),
                },
                |waited| Error::Busy { waited },
            )?
        };
        Ok(Box::new(RedbWrite { txn }))
    }

    /// The first write transaction opens (and so creates) every table.
    fn create_tables(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Whether the database holds no table at all (a backend handed to `create` must not).
    fn is_blank(&self) -> Result<bool, Error> {
        let txn = match &self.db {
            Db::Writable(db) => db.begin_read(),
            Db::ReadOnly(db) => db.begin_read(),
        }
        .map_err(storage)?;
        Ok(txn.list_tables().map_err(storage)?.next().is_none())
    }

    fn into_writable(self: Box<Self>) -> Result<Box<dyn Engine>, Error> {
        let RedbEngine {
            mut snapshots,
            db,
            name,
            file,
            created,
            options,
            ..
        } = *self;
        // A handle that holds the file alone (redb's exclusive mode, which a view from this
        // process would refuse), or that checks the file's integrity on every open, opens it for
        // writing now; a shared handle keeps its view, and opens the file for writing at its
        // first write (`writable`).
        let now = options.single_process || options.check_integrity;
        let db = match (db, &file) {
            (Db::ReadOnly(view), Some(path)) if now => {
                // Its snapshot is of the view, which closes.
                drop(snapshots.take());
                view.close().map_err(storage)?;
                let (db, opened) =
                    guarded("opening the file", || open_writable_file(path, &options))?;
                // The exclusive mode keeps no snapshot (no other process commits).
                if !options.single_process {
                    snapshots = Snapshots::of(opened, path);
                }
                Db::Writable(db)
            }
            (Db::ReadOnly(_), None) => {
                return Err(Error::internal("a read-only view without a file"));
            }
            (db, _) => db,
        };
        let mut engine = RedbEngine::new(db, name, file, created, options);
        engine.snapshots = snapshots;
        engine.writes_allowed = true;
        Ok(Box::new(engine))
    }

    fn storage_problems(&self) -> Result<Vec<String>, Error> {
        match &self.file {
            Some(path) => file::page_problems(path),
            None => Ok(Vec::new()),
        }
    }

    fn compact(&mut self) -> Result<bool, Error> {
        self.writable()?;
        // A kept snapshot would pin the pages compaction moves.
        if let Some(snapshots) = &self.snapshots {
            snapshots.forget();
        }
        let db = match (&mut self.db, self.writer.get_mut()) {
            (Db::Writable(db), _) | (Db::ReadOnly(_), Some(db)) => db,
            (Db::ReadOnly(_), None) => {
                return Err(Error::internal("compacting a read-only view"));
            }
        };
        guarded("compacting", || db.compact().map_err(storage))
    }

    fn stored_bytes(&self) -> Result<u64, Error> {
        Ok(self
            .file
            .as_ref()
            .and_then(|path| fs::metadata(path).ok())
            .map_or(0, |m| m.len()))
    }

    fn discard_new(self: Box<Self>) {
        if let (true, Some(path)) = (self.created, self.file.clone()) {
            drop(self);
            let _ = fs::remove_file(path);
        }
    }
}
