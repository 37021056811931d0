//! The vault: a storage engine, the unlocked keys, and the six `TokenStore` operations.
//!
//! Rules (`rules.rs`) decide which stored token an operation touches; `lookup.rs` and `write.rs`
//! find and change it through the engine seam (`engines/`). `open.rs` is the one way in: every
//! vault is opened or created there, whatever its location and credential.

mod batch;
mod copy;
mod keys;
mod lookup;
mod maintenance;
mod open;
mod refresh;
mod renewal;
mod slots;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};
use std::time::Duration;

use crate::engines::{Engine, HeaderEntry, ReadTables, guarded};
use crate::error::Error;
use crate::format::State;
use crate::options::OpenOptions;
use crate::rules::{self, MatchedBy};
use crate::token::Token;

pub use maintenance::{ImportSummary, VaultInfo, VerifyReport};
pub use refresh::{RefreshLease, RefreshTurn};
pub use renewal::{Renewal, RenewalSaved, RenewalTurn, ScheduledRenewal};
pub use slots::{SlotInfo, SlotKind};
pub use write::SaveOutcome;

use batch::{Batcher, Pending, WriteOp};
use keys::Unlocked;

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
    /// How long a refresh lease taken through this handle stands (`refresh.rs`).
    refresh_lease: Duration,
    /// Whether `change_passphrase` may write KDF parameters below the floor
    /// ([`OpenOptions::insecure_kdf`]).
    insecure_kdf: bool,
    /// Whether a new slot may have a key file that does not look random
    /// ([`OpenOptions::allow_weak_key_file`]).
    allow_weak_key_file: bool,
    /// Write transactions this handle has committed; `committed` is notified after each, so a
    /// refresh waiter of this process wakes at once.
    commits: Mutex<u64>,
    committed: Condvar,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// How a write transaction ends.
enum Finish<R> {
    /// Commit the changes and return `R`.
    Commit(R),
    /// Roll every change back and return `R` (a batch whose every operation was refused).
    Discard(R),
}

impl Vault {
    fn assemble(
        engine: Box<dyn Engine>,
        path: &Path,
        keys: Arc<Unlocked>,
        options: &OpenOptions,
    ) -> Vault {
        Vault {
            engine,
            path: path.to_path_buf(),
            keys: RwLock::new(keys),
            batcher: Batcher::default(),
            refresh_lease: options.refresh_lease,
            insecure_kdf: options.insecure_kdf,
            allow_weak_key_file: options.allow_weak_key_file,
            commits: Mutex::new(0),
            committed: Condvar::new(),
        }
    }

    /// How many write transactions this handle has committed.
    fn commits_seen(&self) -> u64 {
        *self.commits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until this handle commits after `seen`, or `timeout`; returns the count now.
    fn wait_for_commit(&self, seen: u64, timeout: Duration) -> u64 {
        let commits = self.commits.lock().unwrap_or_else(PoisonError::into_inner);
        if *commits != seen {
            return *commits;
        }
        let (commits, _) = self
            .committed
            .wait_timeout(commits, timeout)
            .unwrap_or_else(PoisonError::into_inner);
        *commits
    }

    /// The path this vault was opened from; for a server, its URL without the password.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cached_keys(&self) -> Arc<Unlocked> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The keys for the header bytes found in the store: the cached ones, or — when another
    /// process rotated the data key or changed a slot — the ones this handle's slot now opens.
    /// A changed header is followed only once the state entry read with it (`state`, from the
    /// same transaction) verifies under the new keys: the header is not authenticated by itself,
    /// and the state MAC covers all of it (FORMAT.md §State), so a slot forged into it by
    /// someone with write access only is refused here, not adopted.
    fn keys_for(
        &self,
        header_bytes: &[u8],
        state: impl FnOnce() -> Result<Option<Vec<u8>>, Error>,
    ) -> Result<Arc<Unlocked>, Error> {
        let cached = self.cached_keys();
        if header_bytes == cached.header_bytes.as_slice() {
            return Ok(cached);
        }
        let fresh = Arc::new(cached.follow(header_bytes)?);
        let state = state()?.ok_or_else(|| Error::corrupted("header state missing"))?;
        State::decode(&state, &fresh.state_mac_key, &fresh.header_bytes)?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// The header bytes this handle's keys belong to (for the fuzz seeds and unit tests).
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn header_bytes(&self) -> Vec<u8> {
        self.cached_keys().header_bytes.clone()
    }

    /// Runs `f` in a read transaction with the store and the current keys.
    fn read<R>(
        &self,
        f: impl FnOnce(&dyn ReadTables, &Unlocked) -> Result<R, Error>,
    ) -> Result<R, Error> {
        guarded("reading", || {
            let store = self.engine.begin_read()?;
            let header = store
                .header_entry(HeaderEntry::Header)?
                .ok_or_else(|| Error::corrupted("header missing"))?;
            let keys = self.keys_for(&header, || store.header_entry(HeaderEntry::State))?;
            f(&*store, &keys)
        })
    }

    /// Runs `f` in one write transaction and commits it. An error from `f` aborts everything.
    fn write<R>(
        &self,
        f: impl FnOnce(&mut write::Writer<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.transact(|w| f(w).map(Finish::Commit))
    }

    /// Runs `f` in one write transaction, which `f` ends with a commit or a rollback. An error
    /// from `f` rolls back too.
    fn transact<R>(
        &self,
        f: impl FnOnce(&mut write::Writer<'_>) -> Result<Finish<R>, Error>,
    ) -> Result<R, Error> {
        let (out, new_keys) = guarded("writing", || {
            let mut txn = self.engine.begin_write()?;
            let (out, new_keys) = {
                let mut store = txn.store()?;
                let mut writer = write::Writer::begin(&mut *store, |bytes, state| {
                    self.keys_for(bytes, || Ok(Some(state.to_vec())))
                })?;
                match f(&mut writer)? {
                    Finish::Commit(out) => (Finish::Commit(out), Some(writer.finish()?)),
                    Finish::Discard(out) => (Finish::Discard(out), None),
                }
            };
            match out {
                Finish::Commit(out) => {
                    txn.commit()?;
                    *self.commits.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                    self.committed.notify_all();
                    Ok((out, new_keys))
                }
                // Dropping the transaction uncommitted rolls it back.
                Finish::Discard(out) => Ok((out, None)),
            }
        })?;
        if let Some(keys) = new_keys {
            *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        }
        Ok(out)
    }

    /// [`Vault::write`] for a whole-vault operation (import, rotation, passphrase change): this
    /// process's other writers queue behind it instead of timing out on the engine's writer lock.
    fn write_exclusive<R>(
        &self,
        f: impl FnOnce(&mut write::Writer<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.batcher.exclusive(|| self.write(f))
    }

    fn submit<R>(&self, op: (WriteOp, Pending<R>)) -> Result<R, Error> {
        self.batcher.submit(op, |ops| {
            // A batch whose every operation was refused for its input changed nothing: it is
            // rolled back, not committed, so bad input leaves the file as it was.
            self.transact(|w| {
                Ok(match batch::apply_all(w, ops)? {
                    true => Finish::Commit(()),
                    false => Finish::Discard(()),
                })
            })
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
        let (saved, outcome) = self.submit(WriteOp::save(token.clone()))?;
        *token = *saved;
        Ok(outcome)
    }

    /// Deletes the token with `id`; [`Error::TokenNotFound`] if there is none.
    pub fn delete_token(&self, id: &str) -> Result<(), Error> {
        self.submit(WriteOp::delete(id))
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
        self.submit(WriteOp::delete_all())
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

/// Unlocks a header's bytes with `credential`, keeping nothing (the `header` fuzz target).
#[cfg(feature = "fuzzing")]
pub(crate) fn unlock_header(header: &[u8], credential: &crate::Credential) -> Result<(), Error> {
    Unlocked::unlock(header, credential).map(drop)
}

// `Vault` is shared between threads: a compile-time check that it stays `Send + Sync`.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Vault>();
};
