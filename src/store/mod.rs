//! The vault: a redb file, the unlocked keys, and the six `TokenStore` operations.
//!
//! Rules (`rules.rs`) decide which stored token an operation touches; this module runs the
//! transactions that find and change it.

mod batch;
mod keys;
mod maintenance;
mod tables;
mod write;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redb::{
    ConcurrencyMode, Database, ReadOnlyTable, ReadableDatabase, TableError, WriteTransaction,
};

use crate::crypto::KdfParams;
use crate::error::{Error, storage};
use crate::format::Header;
use crate::index::IndexKind;
use crate::rules::{self, MatchedBy};
use crate::token::Token;

pub use maintenance::{ImportSummary, VaultInfo, VerifyReport};
pub use write::SaveOutcome;

use batch::{Batcher, WriteOp, WriteResult};
use keys::Unlocked;
use tables::{HEADER, HEADER_KEY, IndexKey, ORDER, RECORDS, Tables};

type ReadTables = Tables<
    ReadOnlyTable<u64, &'static [u8]>,
    ReadOnlyTable<u64, u64>,
    ReadOnlyTable<IndexKey, u64>,
>;

/// How long a write waits for another process to release the vault before failing with
/// [`Error::Busy`], unless [`OpenOptions::busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for opening or creating a vault.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    busy_timeout: Duration,
    single_process: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            single_process: false,
        }
    }
}

impl OpenOptions {
    /// Default options: a busy timeout of [`DEFAULT_BUSY_TIMEOUT`].
    pub fn new() -> Self {
        OpenOptions::default()
    }

    /// For a custom backend without file locks (such as redb's `InMemoryBackend`): open it in
    /// redb's exclusive single-process mode instead of the multi-process mode files use.
    pub fn single_process(mut self, yes: bool) -> Self {
        self.single_process = yes;
        self
    }

    fn builder(&self) -> redb::Builder {
        let mut b = builder();
        if self.single_process {
            b.set_concurrency_mode(ConcurrencyMode::ExclusiveWriter);
        }
        b
    }

    /// How long a write waits for another process's write transaction before [`Error::Busy`].
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Creates a vault on a storage backend of your own (an in-memory one for tests, or a
    /// wrapper around redb's `FileBackend` that injects faults). `name` is what errors and
    /// [`Vault::path`] show.
    pub fn create_with_backend(
        &self,
        backend: impl redb::StorageBackend,
        name: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
        kdf: KdfParams,
    ) -> Result<Vault, Error> {
        kdf.validate()?;
        let keys = Arc::new(Unlocked::create(passphrase.as_ref(), kdf, now_unix())?);
        let db = self
            .builder()
            .create_with_backend(backend)
            .map_err(storage)?;
        if db
            .begin_read()
            .map_err(storage)?
            .list_tables()
            .map_err(storage)?
            .next()
            .is_some()
        {
            return Err(Error::AlreadyExists {
                path: name.as_ref().to_path_buf(),
            });
        }
        let txn = db.begin_write().map_err(storage)?;
        write::Writer::initialize(&txn, keys.clone())?;
        txn.commit().map_err(storage)?;
        Ok(Vault::assemble(db, name.as_ref(), keys, self))
    }

    /// Opens a vault on a storage backend of your own (see [`OpenOptions::create_with_backend`]).
    pub fn open_with_backend(
        &self,
        backend: impl redb::StorageBackend,
        name: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Vault, Error> {
        let name = name.as_ref();
        let db = self
            .builder()
            .create_with_backend(backend)
            .map_err(|e| match storage(e) {
                Error::Corrupted { .. } | Error::Storage(_) => Error::NotAVault {
                    path: name.to_path_buf(),
                },
                other => other,
            })?;
        Vault::unlock_database(db, name, passphrase.as_ref(), self)
    }

    /// Opens an existing vault (see [`Vault::open`]).
    pub fn open(
        &self,
        path: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Vault, Error> {
        Vault::open_impl(path.as_ref(), passphrase.as_ref(), self)
    }

    /// Creates a new vault (see [`Vault::create`]).
    pub fn create(
        &self,
        path: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
        kdf: KdfParams,
    ) -> Result<Vault, Error> {
        Vault::create_impl(path.as_ref(), passphrase.as_ref(), kdf, self)
    }
}

/// An unlocked vault: an encrypted token store in one file.
///
/// `Vault` is `Send + Sync`: share one handle between threads. Reads run concurrently; writes
/// from several threads are committed together (group commit), and several processes may open
/// the same file at once (each write waits for the others, up to the busy timeout).
pub struct Vault {
    db: Database,
    path: PathBuf,
    keys: RwLock<Arc<Unlocked>>,
    batcher: Batcher,
    busy_timeout: Duration,
    /// No other process can hold the file (single-process backends): writes need no wait.
    single_process: bool,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn builder() -> redb::Builder {
    let mut b = Database::builder();
    b.set_concurrency_mode(ConcurrencyMode::MultiWriter);
    b
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Creates `path` exclusively, readable and writable by its owner only.
fn create_private_file(path: &Path) -> Result<(), Error> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::AlreadyExists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(Error::Io(e)),
    }
}

impl Vault {
    /// Creates a new vault at `path` (which must not exist), protected by `passphrase`.
    ///
    /// The file is created with mode 0600. Key derivation runs once here, with `kdf`.
    pub fn create(
        path: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
        kdf: KdfParams,
    ) -> Result<Vault, Error> {
        OpenOptions::default().create(path, passphrase, kdf)
    }

    /// Opens and unlocks the vault at `path`.
    ///
    /// The header is parsed and its KDF parameters checked against the caps before the
    /// passphrase is derived; a wrong passphrase is [`Error::WrongPassphrase`] and changes nothing.
    pub fn open(path: impl AsRef<Path>, passphrase: impl AsRef<[u8]>) -> Result<Vault, Error> {
        OpenOptions::default().open(path, passphrase)
    }

    /// A vault in memory only (tests, fuzzing): nothing is written to disk.
    pub fn create_in_memory(passphrase: impl AsRef<[u8]>, kdf: KdfParams) -> Result<Vault, Error> {
        OpenOptions::default()
            .single_process(true)
            .create_with_backend(
                redb::backends::InMemoryBackend::new(),
                "<memory>",
                passphrase,
                kdf,
            )
    }

    /// Options for opening or creating (busy timeout).
    pub fn options() -> OpenOptions {
        OpenOptions::default()
    }

    fn create_impl(
        path: &Path,
        passphrase: &[u8],
        kdf: KdfParams,
        options: &OpenOptions,
    ) -> Result<Vault, Error> {
        kdf.validate()?;
        let keys = Arc::new(Unlocked::create(passphrase, kdf, now_unix())?);
        create_private_file(path)?;
        let result = (|| {
            let db = builder().create(path).map_err(storage)?;
            let txn = db.begin_write().map_err(storage)?;
            write::Writer::initialize(&txn, keys.clone())?;
            txn.commit().map_err(storage)?;
            Ok(db)
        })();
        match result {
            Ok(db) => Ok(Vault::assemble(db, path, keys, options)),
            Err(e) => {
                // Nothing was committed: do not leave a half-made file that `create` would refuse.
                let _ = fs::remove_file(path);
                Err(e)
            }
        }
    }

    fn open_impl(path: &Path, passphrase: &[u8], options: &OpenOptions) -> Result<Vault, Error> {
        // Unlock on a read-only handle first: a wrong passphrase or a tampered header must leave
        // every byte of the file as it was, and a writable redb open writes bookkeeping.
        let unlocked = match open_read_only(path)? {
            Some(read_only) => {
                let keys = Unlocked::unlock(&read_header_bytes(&read_only, path)?, passphrase)?;
                read_only.close().map_err(storage)?;
                Some(Arc::new(keys))
            }
            None => None,
        };
        let db = open_database(path)?;
        match unlocked {
            // Key derivation ran once; `read` below re-checks the header it belongs to and
            // follows a rotation that happened in between.
            Some(keys) => Vault::assemble(db, path, keys, options).verified(),
            None => Vault::unlock_database(db, path, passphrase, options),
        }
    }

    /// Authenticates the state now, so a tampered header is reported at open, not at first write.
    fn verified(self) -> Result<Vault, Error> {
        self.read(|_, _| Ok(()))?;
        self.verify_state()?;
        Ok(self)
    }

    fn unlock_database(
        db: Database,
        path: &Path,
        passphrase: &[u8],
        options: &OpenOptions,
    ) -> Result<Vault, Error> {
        let header_bytes = read_header_bytes(&db, path)?;
        let keys = Arc::new(Unlocked::unlock(&header_bytes, passphrase)?);
        Vault::assemble(db, path, keys, options).verified()
    }

    fn assemble(db: Database, path: &Path, keys: Arc<Unlocked>, options: &OpenOptions) -> Vault {
        Vault {
            db,
            path: path.to_path_buf(),
            keys: RwLock::new(keys),
            batcher: Batcher::default(),
            busy_timeout: options.busy_timeout,
            single_process: options.single_process,
        }
    }

    /// The path this vault was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cached_keys(&self) -> Arc<Unlocked> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The keys for the header bytes found in the file: the cached ones, or — when another
    /// process rotated the data key — the new master key unwrapped with the cached KEK.
    fn keys_for(&self, header_bytes: &[u8]) -> Result<Arc<Unlocked>, Error> {
        let cached = self.cached_keys();
        if header_bytes == cached.header_bytes.as_slice() {
            return Ok(cached);
        }
        let header = Header::decode(header_bytes)?;
        if header.store_id != cached.header.store_id {
            return Err(Error::corrupted("the header now names another vault"));
        }
        let fresh = Arc::new(Unlocked::with_kek(header, cached.kek.clone())?);
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// Runs `f` in a read transaction with the tables and the current keys.
    fn read<R>(
        &self,
        f: impl FnOnce(&ReadTables, &Unlocked) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let txn = self.db.begin_read().map_err(storage)?;
        let header = txn
            .open_table(HEADER)
            .map_err(|e| table_error(e, &self.path))?;
        let header_bytes = header
            .get(HEADER_KEY)
            .map_err(storage)?
            .ok_or_else(|| Error::corrupted("header missing"))?
            .value()
            .to_vec();
        let keys = self.keys_for(&header_bytes)?;
        let [a, b, c, d] = IndexKind::ALL.map(|kind| txn.open_table(tables::index_table(kind)));
        let tables = Tables {
            records: txn
                .open_table(RECORDS)
                .map_err(|e| table_error(e, &self.path))?,
            order: txn
                .open_table(ORDER)
                .map_err(|e| table_error(e, &self.path))?,
            indexes: [
                a.map_err(|e| table_error(e, &self.path))?,
                b.map_err(|e| table_error(e, &self.path))?,
                c.map_err(|e| table_error(e, &self.path))?,
                d.map_err(|e| table_error(e, &self.path))?,
            ],
        };
        f(&tables, &keys)
    }

    /// Begins a write transaction, waiting up to the busy timeout for other processes.
    fn begin_write(&self) -> Result<WriteTransaction, Error> {
        if self.single_process {
            // In-process writers are already serialized by the batcher's commit lock.
            return self.db.begin_write().map_err(storage);
        }
        let start = Instant::now();
        let mut pause = Duration::from_micros(200);
        loop {
            match self.db.try_begin_write() {
                Ok(txn) => return Ok(txn),
                Err(redb::TransactionError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= self.busy_timeout {
                        return Err(Error::Busy { waited });
                    }
                    std::thread::sleep(pause.min(self.busy_timeout - waited));
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) => return Err(storage(e)),
            }
        }
    }

    /// Runs `f` in one write transaction and commits it. An error from `f` aborts everything.
    fn write<R>(
        &self,
        f: impl FnOnce(&mut write::Writer<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let txn = self.begin_write()?;
        let (result, keys) = {
            let mut writer = write::Writer::begin(&txn, |bytes| self.keys_for(bytes))?;
            let result = f(&mut writer)?;
            (result, writer.finish()?)
        };
        txn.commit().map_err(storage)?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(result)
    }

    /// [`Vault::write`] for a whole-vault operation (import, rotation, passphrase change): this
    /// process's other writers queue behind it instead of timing out on redb's writer lock.
    fn write_exclusive<R>(
        &self,
        f: impl FnOnce(&mut write::Writer<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.batcher.exclusive(|| self.write(f))
    }

    fn submit(&self, op: WriteOp) -> Result<WriteResult, Error> {
        self.batcher
            .submit(op, |ops| self.write(|w| batch::apply_all(w, ops)))
    }

    // ---- The SDK's six TokenStore methods -------------------------------------------------

    /// Finds the stored token `query` selects, by the FileStore's rules: the user name if given;
    /// else the access token (with no client id and no client secret); else, with client id and
    /// secret, the first stored token whose grant or refresh token matches; else — tokenvault's
    /// one divergence — the id. Returns `query` with its absent fields filled from the stored
    /// token, or `None`.
    pub fn find_token(&self, query: &Token) -> Result<Option<Token>, Error> {
        Ok(self.find_token_explained(query)?.map(|(token, _)| token))
    }

    /// [`Vault::find_token`], also saying which rule selected the stored token.
    pub fn find_token_explained(&self, query: &Token) -> Result<Option<(Token, MatchedBy)>, Error> {
        let selector = rules::select_for_find(query);
        self.read(|tables, keys| {
            Ok(tables.first_match(keys, &selector)?.map(|record| {
                let mut merged = query.clone();
                rules::merge_absent(&mut merged, &record.token);
                (merged, rules::matched_by(&selector, &record.token))
            }))
        })
    }

    /// Saves `token`: updates the stored token with its id (or, without an id, the one the
    /// FileStore's rules select), merging stored values into `token`'s absent fields; otherwise
    /// inserts it, assigning the next id (`max + 1`) when it has none. On return `token` holds
    /// its id and the merged fields. Durable when it returns.
    pub fn save_token(&self, token: &mut Token) -> Result<SaveOutcome, Error> {
        match self.submit(WriteOp::Save(Box::new(token.clone())))? {
            WriteResult::Saved(saved, outcome) => {
                *token = *saved;
                Ok(outcome)
            }
            _ => Err(Error::corrupted("internal: unexpected batch result")),
        }
    }

    /// Deletes the token with `id`; [`Error::TokenNotFound`] if there is none.
    pub fn delete_token(&self, id: &str) -> Result<(), Error> {
        self.submit(WriteOp::Delete(id.to_string())).map(drop)
    }

    /// Every stored token, in insertion order (updates keep their place).
    pub fn get_tokens(&self) -> Result<Vec<Token>, Error> {
        self.read(|tables, keys| Ok(tables.all(keys)?.into_iter().map(|r| r.token).collect()))
    }

    /// Deletes every token. The vault, its keys and its passphrase stay.
    pub fn delete_tokens(&self) -> Result<(), Error> {
        self.submit(WriteOp::DeleteAll).map(drop)
    }

    /// The token with `id`; [`Error::TokenNotFound`] if there is none.
    pub fn find_token_by_id(&self, id: &str) -> Result<Token, Error> {
        let not_found = || Error::TokenNotFound { id: id.to_string() };
        let key = rules::parse_id(id).ok_or_else(not_found)?;
        self.read(|tables, keys| {
            tables
                .load(keys, key)?
                .map(|r| r.token)
                .ok_or_else(not_found)
        })
    }

    /// How many tokens are stored.
    pub fn len(&self) -> Result<u64, Error> {
        self.read(|tables, _| tables.count())
    }

    /// Whether no token is stored.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }
}

/// Checks that `path` is a non-empty regular file before redb touches it.
fn check_vault_file(path: &Path) -> Result<(), Error> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::VaultNotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Io(e),
    })?;
    if !meta.is_file() || meta.len() == 0 {
        return Err(Error::NotAVault {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// redb's "this is not a redb file" becomes `NotAVault`; the rest keeps its meaning.
fn open_error(e: redb::DatabaseError, path: &Path) -> Error {
    match storage(e) {
        Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => Error::NotAVault {
            path: path.to_path_buf(),
        },
        other => other,
    }
}

/// Opens the file read-only: nothing is written, not even redb's bookkeeping. `Ok(None)` when
/// the file needs crash recovery, which only a writable open performs.
pub(crate) fn open_read_only(path: &Path) -> Result<Option<redb::ReadOnlyDatabase>, Error> {
    check_vault_file(path)?;
    match builder().open_read_only(path) {
        Ok(db) => Ok(Some(db)),
        Err(redb::DatabaseError::RepairAborted) => Ok(None),
        Err(e) => Err(open_error(e, path)),
    }
}

fn open_database(path: &Path) -> Result<Database, Error> {
    check_vault_file(path)?;
    builder().open(path).map_err(|e| open_error(e, path))
}

/// The static header bytes, without any key: a file with no header table is not a vault.
fn read_header_bytes(db: &impl ReadableDatabase, path: &Path) -> Result<Vec<u8>, Error> {
    let txn = db.begin_read().map_err(storage)?;
    let header = txn.open_table(HEADER).map_err(|e| table_error(e, path))?;
    let bytes = header
        .get(HEADER_KEY)
        .map_err(storage)?
        .ok_or_else(|| Error::corrupted("header missing"))?
        .value()
        .to_vec();
    Ok(bytes)
}

fn table_error(e: TableError, path: &Path) -> Error {
    match e {
        TableError::TableDoesNotExist(_) => Error::NotAVault {
            path: path.to_path_buf(),
        },
        TableError::TableTypeMismatch { .. } | TableError::TableIsMultimap(_) => {
            Error::corrupted(format!("unexpected table layout: {e}"))
        }
        other => storage(other),
    }
}

// `Vault` is shared between threads: a compile-time check that it stays `Send + Sync`.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Vault>();
};
