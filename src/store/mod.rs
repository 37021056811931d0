//! The vault: a storage engine, the unlocked keys, and the six `TokenStore` operations.
//!
//! Rules (`rules.rs`) decide which stored token an operation touches; `lookup.rs` and `write.rs`
//! find and change it through the engine seam (`engine.rs`); `redb_engine.rs` is the file engine.

mod batch;
mod bounded_locks;
mod by_location;
mod engine;
mod keys;
mod location;
mod lookup;
mod maintenance;
#[cfg(feature = "mysql")]
mod mysql_engine;
mod permissions;
mod redb_engine;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::crypto::KdfParams;
use crate::error::Error;
use crate::format::Header;
use crate::rules::{self, MatchedBy};
use crate::token::Token;

pub use location::Location;
pub use maintenance::{ImportSummary, VaultInfo, VerifyReport};
#[cfg(feature = "mysql")]
pub use mysql_engine::DEFAULT_CONNECT_TIMEOUT;
#[cfg(feature = "mysql")]
pub(crate) use mysql_engine::ServerUrl;
pub use write::SaveOutcome;

use batch::{Batcher, WriteOp, WriteResult};
use engine::{Engine, HeaderSlot, ReadStore};
use keys::Unlocked;
use redb_engine::RedbEngine;

pub(crate) use bounded_locks::lock_timeout;

/// How long a write waits for another process to release the vault before failing with
/// [`Error::Busy`], unless [`OpenOptions::busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for opening or creating a vault.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    busy_timeout: Duration,
    single_process: bool,
    check_integrity: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            single_process: false,
            check_integrity: true,
        }
    }
}

impl OpenOptions {
    /// Default options: a busy timeout of [`DEFAULT_BUSY_TIMEOUT`].
    pub fn new() -> Self {
        OpenOptions::default()
    }

    /// Holds the vault for this handle alone (default: no, several processes share it).
    ///
    /// The file is locked whole for the handle's life (redb's exclusive mode), so a lookup skips
    /// the cross-process locking every transaction otherwise takes (`find_token` about 30%
    /// faster: docs/BENCHMARKS.md). Every other open of the file, from any process and in either
    /// mode, fails with [`Error::AlreadyOpen`] until this handle is dropped. For one process that
    /// keeps the vault open, such as a single-worker service; and for a custom backend without
    /// file locks (such as redb's `InMemoryBackend`), which needs this mode.
    pub fn single_process(mut self, yes: bool) -> Self {
        self.single_process = yes;
        self
    }

    /// Whether opening a vault (a file, or a backend of your own) first verifies every page's
    /// checksum (default: yes). The
    /// check costs time proportional to the file (about 20 ms for 10k tokens, 80 ms for 100k;
    /// docs/BENCHMARKS.md), and turns damage already in the file into [`Error::Corrupted`] at
    /// open instead of a failure, or a silently missed entry, later. Turn it off only where the
    /// storage is trusted and start-up time matters.
    pub fn check_integrity(mut self, yes: bool) -> Self {
        self.check_integrity = yes;
        self
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
        let name = name.as_ref();
        kdf.validate()?;
        let keys = Unlocked::create(passphrase.as_ref(), kdf, now_unix())?;
        let engine = self.backend_engine(backend, name)?;
        if !engine.is_blank()? {
            return Err(Error::AlreadyExists {
                path: name.to_path_buf(),
            });
        }
        Vault::initialize(Box::new(engine), name, keys)
    }

    /// Opens a vault on a storage backend of your own (see [`OpenOptions::create_with_backend`]).
    pub fn open_with_backend(
        &self,
        backend: impl redb::StorageBackend,
        name: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Vault, Error> {
        let name = name.as_ref();
        let engine = self.backend_engine(backend, name)?;
        Vault::unlock(Box::new(engine), name, passphrase.as_ref(), None)
    }

    /// The redb engine over a caller's backend, with these options.
    fn backend_engine(
        &self,
        backend: impl redb::StorageBackend,
        name: &Path,
    ) -> Result<RedbEngine, Error> {
        RedbEngine::with_backend(
            backend,
            name,
            self.busy_timeout,
            self.single_process,
            self.check_integrity,
        )
    }

    /// Opens an existing vault (see [`Vault::open`]).
    pub fn open(
        &self,
        path: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Vault, Error> {
        let path = path.as_ref();
        // Unlock from a read-only view first: a wrong passphrase or a tampered header must leave
        // every byte of the file as it was, and a writable redb open writes bookkeeping.
        let view = redb_engine::view_file(path, self.busy_timeout)?;
        let keys = Unlocked::unlock(&view.header, passphrase.as_ref())?;
        let engine = RedbEngine::open_file(
            path,
            self.busy_timeout,
            self.check_integrity,
            self.single_process,
        )?;
        Vault::unlock(Box::new(engine), path, passphrase.as_ref(), Some(keys))
    }

    /// Creates a new vault (see [`Vault::create`]).
    pub fn create(
        &self,
        path: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
        kdf: KdfParams,
    ) -> Result<Vault, Error> {
        kdf.validate()?;
        self.create_file_with(path.as_ref(), passphrase.as_ref(), kdf, std::iter::empty())
            .map(|(vault, _)| vault)
    }

    /// Creates a new vault file at `path` holding `tokens`, in one transaction; on failure the
    /// file is removed. `kdf` is already validated.
    fn create_file_with(
        &self,
        path: &Path,
        passphrase: &[u8],
        kdf: KdfParams,
        tokens: impl IntoIterator<Item = Token>,
    ) -> Result<(Vault, ImportSummary), Error> {
        // Derive first: a slow KDF must not hold a half-made file.
        let keys = Unlocked::create(passphrase, kdf, now_unix())?;
        let engine = RedbEngine::create_file(path, self.busy_timeout, self.single_process)?;
        Vault::initialize_with(Box::new(engine), path, keys, tokens).inspect_err(|_| {
            // Nothing was committed: do not leave a file that `create` would then refuse.
            let _ = std::fs::remove_file(path);
        })
    }
}

/// An unlocked vault: an encrypted token store in one file.
///
/// `Vault` is `Send + Sync`: share one handle between threads. Reads run concurrently; writes
/// from several threads are committed together (group commit), and several processes may open
/// the same file at once (each write waits for the others, up to the busy timeout).
pub struct Vault {
    engine: Box<dyn Engine>,
    path: PathBuf,
    keys: RwLock<Arc<Unlocked>>,
    batcher: Batcher,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn internal(what: &str) -> Error {
    Error::corrupted(format!("internal: {what}"))
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

    /// Writes the header of a new vault in its first transaction.
    fn initialize(engine: Box<dyn Engine>, path: &Path, keys: Unlocked) -> Result<Vault, Error> {
        Vault::initialize_with(engine, path, keys, std::iter::empty()).map(|(vault, _)| vault)
    }

    /// Writes the header of a new vault and imports `tokens` in its first transaction: the vault
    /// with its tokens, or nothing at all.
    fn initialize_with(
        engine: Box<dyn Engine>,
        path: &Path,
        keys: Unlocked,
        tokens: impl IntoIterator<Item = Token>,
    ) -> Result<(Vault, ImportSummary), Error> {
        let keys = Arc::new(keys);
        let mut tokens = Some(tokens);
        let mut summary = None;
        engine.write(&mut |store| {
            // Checked inside the transaction: on a shared server another host may have created
            // the vault since this one found the tables empty.
            if store.header_entry(HeaderSlot::Header)?.is_some() {
                return Err(Error::AlreadyExists {
                    path: path.to_path_buf(),
                });
            }
            write::Writer::initialize(store, &keys)?;
            let mut tokens = tokens
                .take()
                .ok_or_else(|| internal("create transaction ran twice"))?
                .into_iter()
                .peekable();
            if tokens.peek().is_none() {
                // A new vault starts at generation 1 (FORMAT.md §State); a write would bump it.
                summary = Some(ImportSummary::default());
                return Ok(());
            }
            let mut writer = write::Writer::begin(store, |_| Ok(keys.clone()))?;
            summary = Some(maintenance::import_rows(&mut writer, tokens)?);
            writer.finish().map(drop)
        })?;
        let summary = summary.ok_or_else(|| internal("create transaction returned nothing"))?;
        Ok((Vault::assemble(engine, path, keys), summary))
    }

    /// Unlocks an opened engine. `keys` were already derived from the same header (by `open`'s
    /// read-only view); a header changed in between is followed by `keys_for` or re-derived.
    fn unlock(
        engine: Box<dyn Engine>,
        path: &Path,
        passphrase: &[u8],
        keys: Option<Unlocked>,
    ) -> Result<Vault, Error> {
        let keys = match keys {
            Some(keys) => keys,
            None => {
                let mut header = None;
                engine.read(&mut |store| {
                    header = Some(store.header_entry(HeaderSlot::Header)?);
                    Ok(())
                })?;
                let header = header
                    .flatten()
                    .ok_or_else(|| Error::corrupted("header missing"))?;
                Unlocked::unlock(&header, passphrase)?
            }
        };
        let vault = Vault::assemble(engine, path, Arc::new(keys));
        // Authenticate the state now, so a tampered header is reported at open, not at first write.
        vault.verify_state()?;
        Ok(vault)
    }

    fn assemble(engine: Box<dyn Engine>, path: &Path, keys: Arc<Unlocked>) -> Vault {
        Vault {
            engine,
            path: path.to_path_buf(),
            keys: RwLock::new(keys),
            batcher: Batcher::default(),
        }
    }

    /// The path this vault was opened from; for a server, its URL without the password.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cached_keys(&self) -> Arc<Unlocked> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The keys for the header bytes found in the store: the cached ones, or — when another
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

    /// Runs `f` in a read transaction with the store and the current keys.
    fn read<R>(
        &self,
        f: impl FnOnce(&dyn ReadStore, &Unlocked) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut f = Some(f);
        let mut out = None;
        self.engine.read(&mut |store| {
            let header = store
                .header_entry(HeaderSlot::Header)?
                .ok_or_else(|| Error::corrupted("header missing"))?;
            let keys = self.keys_for(&header)?;
            let f = f.take().ok_or_else(|| internal("read closure ran twice"))?;
            out = Some(f(store, &keys)?);
            Ok(())
        })?;
        out.ok_or_else(|| internal("read transaction returned nothing"))
    }

    /// Runs `f` in one write transaction and commits it. An error from `f` aborts everything.
    fn write<R>(
        &self,
        f: impl FnOnce(&mut write::Writer<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut f = Some(f);
        let mut out = None;
        let mut new_keys = None;
        self.engine.write(&mut |store| {
            let mut writer = write::Writer::begin(store, |bytes| self.keys_for(bytes))?;
            let f = f
                .take()
                .ok_or_else(|| internal("write closure ran twice"))?;
            out = Some(f(&mut writer)?);
            new_keys = Some(writer.finish()?);
            Ok(())
        })?;
        if let Some(keys) = new_keys {
            *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        }
        out.ok_or_else(|| internal("write transaction returned nothing"))
    }

    /// [`Vault::write`] for a whole-vault operation (import, rotation, passphrase change): this
    /// process's other writers queue behind it instead of timing out on the engine's writer lock.
    fn write_exclusive<R>(
        &self,
        f: impl FnOnce(&mut write::Writer<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.batcher.exclusive(|| self.write(f))
    }

    fn submit(&self, op: WriteOp) -> Result<WriteResult, Error> {
        self.batcher.submit(op, |ops| {
            // A batch whose every operation was refused for its input changed nothing: it is
            // rolled back, not committed, so bad input leaves the file as it was.
            let mut refused = None;
            let committed = self.write(|w| {
                let results = batch::apply_all(w, ops)?;
                if results.iter().all(Result::is_err) {
                    refused = Some(results);
                    return Err(internal("every operation of the batch was refused"));
                }
                Ok(results)
            });
            match refused {
                Some(results) => Ok(results),
                None => committed,
            }
        })
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
        self.read(|store, keys| {
            Ok(lookup::first_match(store, keys, &selector)?.map(|record| {
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
            _ => Err(internal("unexpected batch result")),
        }
    }

    /// Deletes the token with `id`; [`Error::TokenNotFound`] if there is none.
    pub fn delete_token(&self, id: &str) -> Result<(), Error> {
        self.submit(WriteOp::Delete(id.to_string())).map(drop)
    }

    /// Every stored token, in insertion order (updates keep their place).
    pub fn get_tokens(&self) -> Result<Vec<Token>, Error> {
        self.read(|store, keys| {
            Ok(lookup::all(store, keys)?
                .into_iter()
                .map(|r| r.token)
                .collect())
        })
    }

    /// Deletes every token. The vault, its keys and its passphrase stay.
    pub fn delete_tokens(&self) -> Result<(), Error> {
        self.submit(WriteOp::DeleteAll).map(drop)
    }

    /// The token with `id`; [`Error::TokenNotFound`] if there is none.
    pub fn find_token_by_id(&self, id: &str) -> Result<Token, Error> {
        let not_found = || Error::TokenNotFound { id: id.to_string() };
        let key = rules::parse_id(id).ok_or_else(not_found)?;
        self.read(|store, keys| {
            lookup::load(store, keys, key)?
                .map(|r| r.token)
                .ok_or_else(not_found)
        })
    }

    /// How many tokens are stored.
    pub fn len(&self) -> Result<u64, Error> {
        self.read(|store, _| store.count())
    }

    /// Whether no token is stored.
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }
}

// `Vault` is shared between threads: a compile-time check that it stays `Send + Sync`.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Vault>();
};
