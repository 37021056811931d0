//! The vault file: created exclusively with mode 0600, viewed read-only without writing a byte,
//! opened for writing within the busy timeout, and recognised as a vault another process is
//! still creating. redb's "not a redb file" becomes `NotAVault` here.
//!
//! Separate from the engine (`mod.rs`): this is the only code that touches the file system path
//! of a vault; the engine itself works the same over a file, memory or a caller's backend.

use std::fs;
use std::path::Path;
use std::time::Duration;

use redb::backends::FileBackend;
use redb::{Database, ReadableDatabase};

use super::snapshot::Snapshots;
use super::tables::{HEADER, table_error};
use super::{Db, RedbEngine, builder, storage};
use crate::backoff::with_backoff;
use crate::engines::bounded_locks::BoundedLocks;
use crate::engines::{Access, Engine, guarded};
use crate::error::Error;
use crate::options::OpenOptions;

impl RedbEngine {
    /// The engine for the file at `path`: created exclusively, mode 0600 (`Create`), viewed
    /// read-only (`Inspect`), or opened for writing (`Open`).
    pub(crate) fn file(
        path: &Path,
        options: &OpenOptions,
        access: Access,
    ) -> Result<Box<dyn Engine>, Error> {
        let (db, file) = match access {
            Access::Create => {
                // The database is built on the handle that created the file, never on the path
                // again: a symlink swapped in meanwhile (in a folder others can write to) must
                // not receive it.
                let file = create_private_file(path)?;
                let made = file
                    .try_clone()
                    .map_err(redb::DatabaseError::from)
                    .and_then(|kept| {
                        let backend = FileBackend::new(file)?;
                        builder(options.single_process, false)
                            .create_with_backend(BoundedLocks::new(backend, options.busy_timeout))
                            .map(|db| (db, kept))
                    });
                match made {
                    Ok((db, kept)) => (Db::Writable(db), kept),
                    Err(e) => {
                        // Nothing was committed: do not leave a file that `create` would refuse.
                        let _ = fs::remove_file(path);
                        return Err(storage(e));
                    }
                }
            }
            Access::Inspect => with_backoff(
                options.busy_timeout,
                || match guarded("reading the header", || view_vault_file(path, options)) {
                    Ok(db) => Ok(Some(db)),
                    Err(Error::NotAVault { .. }) if may_be_under_creation(path) => Ok(None),
                    Err(e) => Err(e),
                },
                |_| Error::NotAVault {
                    location: path.display().to_string(),
                },
            )?,
        };
        let mut engine = RedbEngine::new(
            db,
            path.to_path_buf(),
            Some(path.to_path_buf()),
            access == Access::Create,
            options.clone(),
        );
        // A shared file keeps its read snapshot while unchanged; in the exclusive mode no other
        // process commits, and a read transaction costs less than the header read.
        if !options.single_process {
            engine.snapshots = Snapshots::of(file, path);
        }
        Ok(Box::new(engine))
    }
}

/// Creates `path` exclusively, readable and writable by its owner only, and returns it open
/// for reading and writing (`create_new` refuses a symlink already there).
fn create_private_file(path: &Path) -> Result<fs::File, Error> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::AlreadyExists {
            location: path.display().to_string(),
        }),
        Err(e) => Err(io_at(e, format!("cannot create {}", path.display()))),
    }
}

/// An I/O error that says what it happened to (the OS's own message names no file).
fn io_at(e: std::io::Error, what: String) -> Error {
    Error::from(std::io::Error::new(e.kind(), format!("{what}: {e}")))
}

/// Checks that `path` is a non-empty regular file before redb touches it.
fn check_vault_file(path: &Path) -> Result<(), Error> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::VaultNotFound {
            location: path.display().to_string(),
        },
        _ => Error::from(e),
    })?;
    if !meta.is_file() || meta.len() == 0 {
        return Err(Error::NotAVault {
            location: path.display().to_string(),
        });
    }
    Ok(())
}

/// Opens the file for writing, waiting at most the busy timeout for any file lock: a writable
/// multi-writer open waits for the write lock of a transaction another process has open, and
/// redb would wait for it forever (see `bounded_locks.rs`). `check_vault_file` has just refused
/// an empty file, which `create_with_backend` (redb's only open that takes a backend) would
/// initialize.
pub(super) fn open_writable(path: &Path, options: &OpenOptions) -> Result<Database, Error> {
    open_writable_file(path, options).map(|(db, _)| db)
}

/// [`open_writable`], and the open file, for its header (`snapshot.rs`).
pub(super) fn open_writable_file(
    path: &Path,
    options: &OpenOptions,
) -> Result<(Database, fs::File), Error> {
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_at(e, format!("cannot open {} for writing", path.display())))?;
    let kept = file.try_clone().map_err(Error::from)?;
    let backend = FileBackend::new(file).map_err(|e| open_error(e, path))?;
    let db = builder(options.single_process, options.check_integrity)
        .create_with_backend(BoundedLocks::new(backend, options.busy_timeout))
        .map_err(|e| open_error(e, path))?;
    Ok((db, kept))
}

/// The read-only counterpart of [`open_writable_file`].
fn open_read_only(
    path: &Path,
    busy_timeout: Duration,
) -> Result<(redb::ReadOnlyDatabase, fs::File), redb::DatabaseError> {
    let file = fs::File::open(path)?;
    let kept = file.try_clone()?;
    let db = builder(false, false)
        .open_read_only_with_backend(BoundedLocks::new(FileBackend::new(file)?, busy_timeout))?;
    Ok((db, kept))
}

/// redb's "this is not a redb file" becomes `NotAVault`; the rest keeps its meaning.
pub(super) fn open_error(e: redb::DatabaseError, path: &Path) -> Error {
    match storage(e) {
        Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => Error::NotAVault {
            location: path.display().to_string(),
        },
        other => other,
    }
}

/// The first bytes of every redb file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// Whether the file at `path` may be a vault another process is still creating: empty, starting
/// with zeros or with redb's magic number (a redb database whose first transaction has not
/// committed yet). A FileStore CSV, say, is none of these, and is reported at once.
fn may_be_under_creation(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::with_capacity(REDB_MAGIC.len());
    match fs::File::open(path) {
        Ok(file) => match file.take(REDB_MAGIC.len() as u64).read_to_end(&mut head) {
            Ok(_) => head.iter().all(|&b| b == 0) || REDB_MAGIC.starts_with(&head),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

/// A read-only view of a vault file: `NotAVault` unless it is a redb database with the vault's
/// header table.
fn view_vault_file(path: &Path, options: &OpenOptions) -> Result<(Db, fs::File), Error> {
    check_vault_file(path)?;
    let (db, file) = view_file(path, options)?;
    let txn = match &db {
        Db::Writable(db) => db.begin_read(),
        Db::ReadOnly(db) => db.begin_read(),
    }
    .map_err(storage)?;
    txn.open_table(HEADER).map_err(|e| table_error(e, path))?;
    drop(txn);
    Ok((db, file))
}

/// A view of the file that writes no byte (not even redb's bookkeeping), unless the file needs
/// crash recovery, which only a writable open performs.
fn view_file(path: &Path, options: &OpenOptions) -> Result<(Db, fs::File), Error> {
    match open_read_only(path, options.busy_timeout) {
        Ok((db, file)) => Ok((Db::ReadOnly(db), file)),
        Err(redb::DatabaseError::RepairAborted) => {
            let options = options.clone().single_process(false).check_integrity(true);
            let (db, file) = open_writable_file(path, &options)?;
            Ok((Db::Writable(db), file))
        }
        Err(e) => Err(open_error(e, path)),
    }
}

/// How many times [`page_problems`] copies the file again when a commit lands during the copy.
const COPY_ATTEMPTS: usize = 5;

/// What redb's integrity check finds in the file at `path` (every page checksum of the committed
/// trees), run on a copy in memory so that the file is neither written nor synced. The copy is
/// consistent when redb's header (which every commit rewrites) reads the same before and after
/// it: a commit never overwrites a page that the committed trees use. After
/// [`COPY_ATTEMPTS`] copies that a commit overlapped: `Busy`.
pub(super) fn page_problems(path: &Path) -> Result<Vec<String>, Error> {
    use redb::StorageBackend;
    use redb::backends::InMemoryBackend;
    let header = || -> Result<Vec<u8>, Error> {
        use std::io::Read;
        let mut head = Vec::with_capacity(REDB_HEADER_LEN);
        fs::File::open(path)?
            .take(REDB_HEADER_LEN as u64)
            .read_to_end(&mut head)?;
        Ok(head)
    };
    let started = std::time::Instant::now();
    for _ in 0..COPY_ATTEMPTS {
        let before = header()?;
        let bytes = fs::read(path)?;
        if header()? != before {
            continue;
        }
        let copy = InMemoryBackend::new();
        copy.set_len(bytes.len() as u64).map_err(Error::from)?;
        copy.write(0, &bytes).map_err(Error::from)?;
        drop(bytes);
        let checked = guarded("checking the file's pages", || {
            let mut db = Database::builder()
                .create_with_backend(copy)
                .map_err(|e| open_error(e, path))?;
            db.check_integrity().map_err(storage)
        });
        return Ok(match checked {
            Ok(true) => Vec::new(),
            Ok(false) => vec![
                "storage engine: the last commit failed its page checksums (an open would \
                 fall back to the one before it)"
                    .to_string(),
            ],
            Err(Error::Corrupted { what }) => vec![what],
            Err(e) => return Err(e),
        });
    }
    Err(Error::Busy {
        waited: started.elapsed(),
    })
}

/// The bytes of redb's file header (magic, god byte, layout, both commit slots; redb 4.x).
const REDB_HEADER_LEN: usize = 320;
