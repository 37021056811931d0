//! The one way in: every vault is opened, created or inspected here, whatever its [`Location`]
//! and [`Credential`]. The engine comes from `engines::connect`; the keys from `keys/`.
//!
//! An open reads the header through a view that writes nothing (for a file, a read-only open),
//! unlocks it, and only then opens the storage for writing: a wrong passphrase or a tampered
//! header leaves every byte as it was. A create derives the keys first (a slow key derivation
//! never holds a half-made vault), then writes the header, and any tokens, in the vault's first
//! transaction: the vault with its tokens, or no vault.

use std::path::Path;
use std::sync::Arc;

use crate::credential::Credential;
use crate::engines::{self, Access, Engine, HeaderEntry, guarded};
use crate::error::Error;
use crate::location::Location;
use crate::options::OpenOptions;
use crate::store::keys::{self, PreparedSlot, Unlocked};
use crate::store::maintenance::{self, ImportSummary, VaultInfo};
use crate::store::slots::{default_slot_name, now_unix};
use crate::store::{Vault, refresh, write};
use crate::token::Token;

/// How many times `open_or_create` goes back to opening after another process won the race to
/// create: the winner's vault is committed by then (an open waits for a file still being
/// created), so a second loss means the location holds something that is not a vault.
const CREATION_RACE_ROUNDS: usize = 3;

impl OpenOptions {
    /// Opens and unlocks the vault at `location`.
    ///
    /// The header is parsed and its KDF parameters checked against the caps before the
    /// credential is used; a wrong passphrase is [`Error::WrongPassphrase`] and changes nothing.
    /// No vault there: [`Error::VaultNotFound`] (no file, no database) or [`Error::NotAVault`].
    pub fn open(
        &self,
        location: impl Into<Location>,
        credential: impl Into<Credential>,
    ) -> Result<Vault, Error> {
        let (location, credential) = (location.into(), credential.into());
        credential.secret()?;
        let view = engines::connect(&location, self, Access::Inspect)?;
        let header = read_header(&*view, &location)?;
        let keys = Unlocked::unlock(&header, &credential)?;
        let engine = view.into_writable()?;
        let vault = Vault::assemble(engine, &location.shown(), Arc::new(keys), self);
        // Authenticate the state now, so a tampered header is reported at open, not at first write.
        vault.verify_state()?;
        Ok(vault)
    }

    /// Creates a vault at `location`: a file that must not exist (created with mode 0600), a
    /// server database without a vault in it (its tables are created as needed), memory, or an
    /// empty backend. A passphrase is derived with [`OpenOptions::kdf`], which must meet the floor
    /// ([`KdfParams::meets_floor`](crate::KdfParams::meets_floor)) unless
    /// [`OpenOptions::insecure_kdf`]: else [`Error::KdfBelowFloor`], before anything is created.
    pub fn create(
        &self,
        location: impl Into<Location>,
        credential: impl Into<Credential>,
    ) -> Result<Vault, Error> {
        self.create_with_tokens(location, credential, std::iter::empty())
            .map(|(vault, _)| vault)
    }

    /// Creates a vault at `location` holding `tokens` (imported with [`Vault::import`]'s rules),
    /// in one transaction: the vault and its tokens, or nothing. Where the import fails no vault
    /// is left behind: a new file is removed, and a server database keeps its tables without a
    /// vault, so the same call can run again.
    pub fn create_with_tokens(
        &self,
        location: impl Into<Location>,
        credential: impl Into<Credential>,
        tokens: impl IntoIterator<Item = Token>,
    ) -> Result<(Vault, ImportSummary), Error> {
        let (location, credential) = (location.into(), credential.into());
        // The vault and its first slot share one creation time (Argon2 runs in between).
        let created = now_unix();
        let first = self.first_slot(&credential, created)?;
        let keys = Unlocked::create(first, created)?;
        let engine = engines::connect(&location, self, Access::Create)?;
        let shown = location.shown();
        match engine.create_tables().and_then(|()| engine.is_blank()) {
            Ok(true) => {}
            Ok(false) => {
                engine.discard_new();
                return Err(Error::AlreadyExists {
                    location: shown.display().to_string(),
                });
            }
            Err(e) => {
                engine.discard_new();
                return Err(e);
            }
        }
        let keys = Arc::new(keys);
        match initialize(&*engine, &shown, &keys, tokens) {
            Ok(summary) => Ok((Vault::assemble(engine, &shown, keys, self), summary)),
            Err(e) => {
                engine.discard_new();
                Err(e)
            }
        }
    }

    /// Opens the vault at `location`, creating it first when there is none; returns the vault
    /// and whether this call created it. Several processes (workers starting together) may call
    /// this on the same location at once: one creates the vault, the others open it, waiting up
    /// to the busy timeout for the creator to commit.
    pub fn open_or_create(
        &self,
        location: impl Into<Location>,
        credential: impl Into<Credential>,
    ) -> Result<(Vault, bool), Error> {
        let (location, credential) = (location.into(), credential.into());
        // Settings that could never create a vault are refused whether or not one is there, so
        // a bad configuration shows on the first run, not on the day the vault goes missing.
        self.check_new_slot_kdf(&credential)?;
        let mut rounds = 0;
        loop {
            let missing = match self.open(&location, &credential) {
                Ok(vault) => return Ok((vault, false)),
                Err(e @ (Error::VaultNotFound { .. } | Error::NotAVault { .. })) => e,
                Err(e) => return Err(e),
            };
            match self.create(&location, &credential) {
                Ok(vault) => return Ok((vault, true)),
                // Another process created it since: open theirs.
                Err(Error::AlreadyExists { .. }) if rounds + 1 < CREATION_RACE_ROUNDS => {}
                // Something that is not a vault is there, and stays.
                Err(Error::AlreadyExists { .. }) => return Err(missing),
                Err(e) => return Err(e),
            }
            rounds += 1;
        }
    }
}

impl OpenOptions {
    /// Moves `tokens` (an SDK token file's rows, say) into the vault at `location`: a new vault
    /// is created holding them, in one transaction ([`OpenOptions::create_with_tokens`]); where a
    /// vault is already there (or another process creates one meanwhile) it is opened and they
    /// are imported into it ([`Vault::import`]), or — with `require_empty` — refused with
    /// [`Error::VaultNotEmpty`] if it holds any token. Returns the vault, what the import did,
    /// and whether this call created the vault. `tokens` is iterated once, inside the transaction
    /// that stores them (a clone of it is what a failed creation leaves for the import), so an
    /// iterator adapter can report progress.
    pub fn create_or_import<I>(
        &self,
        location: impl Into<Location>,
        credential: impl Into<Credential>,
        tokens: I,
        require_empty: bool,
    ) -> Result<(Vault, ImportSummary, bool), Error>
    where
        I: IntoIterator<Item = Token> + Clone,
    {
        let (location, credential) = (location.into(), credential.into());
        match self.create_with_tokens(&location, &credential, tokens.clone()) {
            Ok((vault, summary)) => return Ok((vault, summary, true)),
            Err(Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(e),
        }
        let vault = self.open(&location, &credential)?;
        let summary = if require_empty {
            vault.import_into_empty(tokens)?
        } else {
            vault.import(tokens)?
        };
        Ok((vault, summary, false))
    }
}

impl OpenOptions {
    /// Checks the KDF settings a new passphrase slot would get: the caps, and the floor unless
    /// [`OpenOptions::insecure_kdf`]. A key file has no KDF, so nothing to check.
    pub(crate) fn check_new_slot_kdf(&self, credential: &Credential) -> Result<(), Error> {
        keys::check_new_kdf(credential, &self.kdf, self.insecure_kdf)
    }

    /// The first slot of a new vault: named after its kind (`passphrase` or `key-file`), its KEK
    /// derived before anything is created.
    fn first_slot(&self, credential: &Credential, created: u64) -> Result<PreparedSlot, Error> {
        let name = default_slot_name(credential, |_| false);
        keys::prepare_slot(
            &name,
            credential,
            self.kdf,
            self.insecure_kdf,
            self.allow_weak_key_file,
            created,
        )
    }
}

/// Writes the header of a new vault and imports `tokens`, in its first transaction.
fn initialize(
    engine: &dyn Engine,
    shown: &Path,
    keys: &Arc<Unlocked>,
    tokens: impl IntoIterator<Item = Token>,
) -> Result<ImportSummary, Error> {
    guarded("creating the vault", || {
        let mut txn = engine.begin_write()?;
        let summary = {
            let mut store = txn.store()?;
            // Checked inside the transaction: on a shared server another host may have created
            // the vault since this one found the tables empty.
            if store.header_entry(HeaderEntry::Header)?.is_some() {
                return Err(Error::AlreadyExists {
                    location: shown.display().to_string(),
                });
            }
            write::Writer::initialize(&mut *store, keys)?;
            let mut tokens = tokens.into_iter().peekable();
            if tokens.peek().is_none() {
                // A new vault starts at generation 1 (FORMAT.md §State); a write would bump it.
                ImportSummary::default()
            } else {
                let mut writer = write::Writer::begin(&mut *store, |_, _| Ok(keys.clone()))?;
                let summary = maintenance::import_rows(&mut writer, tokens)?;
                writer.finish()?;
                summary
            }
        };
        txn.commit()?;
        Ok(summary)
    })
}

/// The header entry, or `NotAVault` where there is none (tables made by an aborted create).
fn read_header(engine: &dyn Engine, location: &Location) -> Result<Vec<u8>, Error> {
    guarded("reading the header", || {
        engine
            .begin_read()?
            .header_entry(HeaderEntry::Header)?
            .ok_or_else(|| Error::NotAVault {
                location: location.shown().display().to_string(),
            })
    })
}

impl Vault {
    /// Opens and unlocks the vault at `location` with default options (see [`OpenOptions::open`]).
    pub fn open(
        location: impl Into<Location>,
        credential: impl Into<Credential>,
    ) -> Result<Vault, Error> {
        OpenOptions::default().open(location, credential)
    }

    /// Creates a vault at `location` (which must hold none) with key-derivation cost `kdf` (see
    /// [`OpenOptions::create`]). Files are created with mode 0600. `kdf` must meet the floor
    /// ([`KdfParams::meets_floor`](crate::KdfParams::meets_floor)); tests create theirs with
    /// [`OpenOptions::insecure_for_tests`].
    pub fn create(
        location: impl Into<Location>,
        credential: impl Into<Credential>,
        kdf: crate::KdfParams,
    ) -> Result<Vault, Error> {
        OpenOptions::default().kdf(kdf).create(location, credential)
    }

    /// Reads what needs no credential: header fields, counters, token count, size. Writes
    /// nothing. The counters are shown as stored; only an unlocked vault authenticates them
    /// ([`Vault::info`]). For a server, the size is its tables' as the server reports it.
    pub fn inspect(location: impl Into<Location>) -> Result<VaultInfo, Error> {
        let location = location.into();
        let engine = engines::connect(&location, &OpenOptions::default(), Access::Inspect)?;
        let (header, state, records, leases) = guarded("reading the header", || {
            let store = engine.begin_read()?;
            Ok((
                store.header_entry(HeaderEntry::Header)?,
                store.header_entry(HeaderEntry::State)?,
                store.count()?,
                refresh::standing_leases(&*store)?,
            ))
        })?;
        let header = header.ok_or_else(|| Error::NotAVault {
            location: location.shown().display().to_string(),
        })?;
        let state = state.ok_or_else(|| Error::corrupted("state missing"))?;
        VaultInfo::unauthenticated(&header, &state, records, engine.stored_bytes()?, leases)
    }
}
