//! Key slots on an open vault: list, add, remove, change a passphrase, rotate on revocation, and
//! upgrade a format-1 vault (FORMAT.md §Key slots). The key work is `keys/`'s; this module
//! runs it outside the transaction where it is slow (Argon2) and writes the result in one.
//!
//! What removal means: a slot removed without rotation stops opening *this* file, but the master
//! key stays the same, so a copy of the header taken before the removal, with the removed
//! credential, still opens the vault's current and future records. With `rotate`, the master
//! key is replaced and every record re-sealed in the same transaction: the removed credential
//! then opens nothing written after it — for someone who cannot write the vault. Rotation keeps
//! each remaining slot's X25519 pair (it has no slot's credential to make a new one), and the
//! removed credential's holder saw their public keys: with write access they could wrap a master
//! key of their own to them (FORMAT.md §Threat model).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::credential::{Credential, Secret};
use crate::crypto::KdfParams;
use crate::engines::HeaderEntry;
use crate::error::{Error, SlotError};
use crate::format::{Header, SlotParams, State};
use crate::store::keys::{self, V1_SLOT_NAME};
use crate::store::{Finish, Vault};

/// The name a new slot gets when none is given: its kind (`passphrase`, `key-file`), then
/// `-2`, `-3`… until one is free.
pub(crate) fn default_slot_name(credential: &Credential, taken: impl Fn(&str) -> bool) -> String {
    let base = credential.kind().replace(' ', "-");
    (1..)
        .map(|n| match n {
            1 => base.clone(),
            n => format!("{base}-{n}"),
        })
        .find(|name| !taken(name))
        .unwrap_or(base)
}

/// Now, in seconds since the Unix epoch (0 for a clock set before 1970): slot and vault creation
/// times.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One key slot, as [`Vault::slots`] and [`VaultInfo`](crate::VaultInfo) show it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SlotInfo {
    /// Unique within the vault.
    pub name: String,
    /// What unlocks it.
    pub kind: SlotKind,
    /// When it was added, or last given a new passphrase (a passphrase change makes a new slot
    /// in the same place, FORMAT.md §Key slots), seconds since the Unix epoch.
    pub created_unix: u64,
    /// A passphrase slot's Argon2id parameters.
    pub kdf: Option<KdfParams>,
}

/// What unlocks a key slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlotKind {
    /// A passphrase, through Argon2id.
    Passphrase,
    /// A key file's 32 bytes, through BLAKE2b (no password KDF: opens in microseconds).
    KeyFile,
    /// A recovery key, typed back from the text shown once when it was made.
    RecoveryKey,
}

impl SlotKind {
    /// `passphrase` or `key-file`, as the CLI shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            SlotKind::Passphrase => "passphrase",
            SlotKind::KeyFile => "key-file",
            SlotKind::RecoveryKey => "recovery-key",
        }
    }
}

impl SlotInfo {
    pub(crate) fn of(header: &Header) -> Vec<SlotInfo> {
        match header {
            Header::V1(v1) => vec![SlotInfo {
                name: V1_SLOT_NAME.into(),
                kind: SlotKind::Passphrase,
                created_unix: v1.created_unix,
                kdf: Some(v1.kdf),
            }],
            Header::V2(v2) => v2
                .slots
                .iter()
                .map(|slot| SlotInfo {
                    name: slot.name.clone(),
                    kind: match slot.params {
                        SlotParams::Passphrase { .. } => SlotKind::Passphrase,
                        SlotParams::KeyFile { .. } => SlotKind::KeyFile,
                        SlotParams::RecoveryKey { .. } => SlotKind::RecoveryKey,
                    },
                    created_unix: slot.created_unix,
                    kdf: slot.kdf(),
                })
                .collect(),
        }
    }
}

impl Vault {
    /// The vault's key slots, as the header now holds them.
    pub fn slots(&self) -> Result<Vec<SlotInfo>, Error> {
        self.read(|_, keys| Ok(SlotInfo::of(&keys.header)))
    }

    /// The name of the slot this handle was unlocked with (`passphrase` for a format-1 vault);
    /// `None` once this handle removed it.
    pub fn unlocked_slot(&self) -> Option<String> {
        self.cached_keys().unlocked_slot().map(str::to_string)
    }

    /// Whether `credential` unlocks this vault as its header stands now: any of its slots, not
    /// only the one this handle was opened with. It derives the slot's key as an open does (an
    /// Argon2 run per passphrase slot tried). A credential that unlocks nothing is `Ok(false)`.
    ///
    /// A slot is part of the vault only when the state verifies under the keys it unlocks: the
    /// header alone is not authenticated, and anyone with write access could add a slot that
    /// wraps a master key of their own (FORMAT.md §Threat model).
    pub fn accepts(&self, credential: impl Into<Credential>) -> Result<bool, Error> {
        let credential = credential.into();
        let (header, state) = self.read(|store, keys| {
            let state = store
                .header_entry(HeaderEntry::State)?
                .ok_or_else(|| Error::corrupted("header state missing"))?;
            Ok((keys.header_bytes.clone(), state))
        })?;
        match keys::Unlocked::unlock(&header, &credential) {
            Ok(unlocked) => Ok(unlocked.store_id() == self.cached_keys().store_id()
                && State::decode(&state, &unlocked.state_mac_key, &unlocked.header_bytes).is_ok()),
            Err(
                Error::WrongPassphrase
                | Error::WrongKeyFile
                | Error::WrongRecoveryKey
                | Error::NoSlotOfKind { .. }
                | Error::EmptyPassphrase,
            ) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Adds a key slot that `credential` unlocks, named `name` (by default its kind:
    /// `passphrase`, `key-file`, then `-2`, `-3`…). A passphrase slot gets Argon2id with `kdf`
    /// (by default [`KdfParams::default`]), which must meet the floor unless this handle was
    /// opened with [`OpenOptions::insecure_kdf`](crate::OpenOptions::insecure_kdf). A format-1
    /// vault becomes format 2 in the same transaction. Returns the slot's name.
    ///
    /// [`Error::Slot`] for a name taken or malformed, or a vault with 16 slots already.
    pub fn add_slot(
        &self,
        name: Option<&str>,
        credential: impl Into<Credential>,
        kdf: Option<KdfParams>,
    ) -> Result<String, Error> {
        let credential = credential.into();
        let kdf = kdf.unwrap_or_default();
        let name = match name {
            Some(name) => name.to_string(),
            None => {
                let existing = self.slots()?;
                default_slot_name(&credential, |n| existing.iter().any(|s| s.name == n))
            }
        };
        let prepared = keys::prepare_slot(
            &name,
            &credential,
            kdf,
            self.insecure_kdf,
            self.allow_weak_key_file,
            now_unix(),
        )?;
        self.write_exclusive(|w| {
            let added = Arc::new(w.keys.with_slot_added(prepared)?);
            w.rekey_header(added);
            Ok(())
        })?;
        Ok(name)
    }

    /// Removes the key slot `name`. The last slot is never removed ([`Error::Slot`]).
    ///
    /// Without `rotate` the master key stays: the removed credential no longer opens this file,
    /// but it still opens an older copy of its header, and through it every record, current and
    /// future. With `rotate`, a new master key is wrapped to every remaining slot (without
    /// their credentials) and every record re-sealed, in the same transaction.
    pub fn remove_slot(&self, name: &str, rotate: bool) -> Result<(), Error> {
        self.write_exclusive(|w| {
            let removed = Arc::new(w.keys.with_slot_removed(name, rotate)?);
            w.switch_keys(removed, rotate)
        })
    }

    /// Changes the passphrase of the slot this handle was unlocked with (see
    /// [`Vault::change_slot_passphrase`]).
    pub fn change_passphrase(
        &self,
        new: impl Into<Credential>,
        kdf: Option<KdfParams>,
    ) -> Result<(), Error> {
        self.change_slot_passphrase(None, new, kdf, false).map(drop)
    }

    /// Changes the passphrase of slot `name` (by default the one this handle was unlocked with),
    /// with `kdf` or the slot's current parameters, which must meet the floor unless this handle
    /// was opened with [`OpenOptions::insecure_kdf`](crate::OpenOptions::insecure_kdf)
    /// ([`Error::KdfBelowFloor`]). The slot gets a new secret; without `rotate` the master key
    /// stays, so the old passphrase still opens an older copy of the header. With `rotate`, the
    /// master key is replaced and every record re-sealed in the same transaction. A format-1
    /// vault becomes format 2. Atomic; returns the slot's name.
    pub fn change_slot_passphrase(
        &self,
        name: Option<&str>,
        new: impl Into<Credential>,
        kdf: Option<KdfParams>,
        rotate: bool,
    ) -> Result<String, Error> {
        let new = new.into();
        if !matches!(new.secret()?, Secret::Passphrase(_)) {
            return Err(Error::Slot {
                name: name.unwrap_or_default().into(),
                reason: SlotError::NewCredentialNotAPassphrase { given: new.kind() },
            });
        }
        let name = match name {
            Some(name) => name.to_string(),
            None => self.unlocked_slot().ok_or_else(|| Error::Slot {
                name: String::new(),
                reason: SlotError::OwnSlotRemoved,
            })?,
        };
        let kdf = match kdf {
            Some(kdf) => kdf,
            None => self
                .slots()?
                .into_iter()
                .find(|s| s.name == name)
                .and_then(|s| s.kdf)
                .unwrap_or_default(),
        };
        let prepared = keys::prepare_slot(
            &name,
            &new,
            kdf,
            self.insecure_kdf,
            self.allow_weak_key_file,
            now_unix(),
        )?;
        self.write_exclusive(|w| {
            let changed = Arc::new(w.keys.with_slot_replaced(&name, prepared, rotate)?);
            w.switch_keys(changed, rotate)
        })?;
        Ok(name)
    }

    /// Rewrites a format-1 vault's header as format 2: its passphrase becomes the slot
    /// `passphrase` (same Argon2 parameters and salt), no record changes. Returns whether there
    /// was anything to do; a format-2 vault is left as it is.
    pub fn upgrade(&self) -> Result<bool, Error> {
        self.batcher.exclusive(|| {
            self.transact(|w| {
                if w.keys.header.version() != 1 {
                    return Ok(Finish::Discard(false));
                }
                let upgraded = Arc::new(w.keys.upgraded()?);
                w.rekey_header(upgraded);
                Ok(Finish::Commit(true))
            })
        })
    }
}
