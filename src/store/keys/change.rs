//! Making key material: a new slot's KEK (Argon2 before any transaction), a new vault, a slot
//! added, removed or replaced, a rotated master key, the format-1 upgrade. Each returns a new
//! [`Unlocked`]; writing it is the transaction's job.
//!
//! Separate from `unlock.rs`: this is where new secrets are drawn and sealed, and where the
//! limits on new slots (name, count, KDF floor and total work, weak key files) are enforced.

use super::unlock::open_slot_public;
use super::{
    Held, MASTER_AAD, PUBLIC_AAD, SECRET_AAD, SLOT_PUBLIC_KEY_LABEL, Unlocked, V1_SLOT_NAME,
};
use crate::credential::{Credential, Secret};
use crate::crypto::{self, KdfParams, Key, SALT_LEN};
use crate::error::{Error, SlotError};
use crate::format::{Header, HeaderV1, HeaderV2, MAX_SLOTS, Slot, SlotParams};
use crate::store::SlotKind;

/// A new slot's credential turned into a key-encryption key, before any transaction (Argon2 is
/// slow): [`prepare_slot`].
pub(crate) struct PreparedSlot {
    name: String,
    created_unix: u64,
    params: SlotParams,
    kek: Key,
}

/// Checks the KDF settings a new key for `credential` would get: for a passphrase, the caps
/// and the floor ([`KdfParams::validate_new`]) unless `allow_insecure`; a key file or recovery
/// key has no KDF, so nothing.
pub(crate) fn check_new_kdf(
    credential: &Credential,
    kdf: &KdfParams,
    allow_insecure: bool,
) -> Result<(), Error> {
    match credential.secret()? {
        Secret::Passphrase(_) => kdf.validate_new(allow_insecure),
        Secret::KeyFile(_) | Secret::RecoveryKey(_) => Ok(()),
    }
}

/// Derives the KEK of a new slot named `name` for `credential`: a fresh salt, and for a
/// passphrase Argon2id with `kdf`, which must meet the floor unless `allow_insecure`
/// ([`check_new_kdf`]); a key file must look random unless `allow_weak_key_file`
/// ([`Credential::weak_key_file`]: it gets no KDF, so its bytes are all the work a guesser has
/// to do). Every new slot is made here, so no caller can skip either check. Opening checks
/// neither, so no vault is locked out by them.
pub(crate) fn prepare_slot(
    name: &str,
    credential: &Credential,
    kdf: KdfParams,
    allow_insecure: bool,
    allow_weak_key_file: bool,
    created_unix: u64,
) -> Result<PreparedSlot, Error> {
    crate::format::check_slot_name(name).map_err(|reason| Error::Slot {
        name: name.into(),
        reason,
    })?;
    check_new_kdf(credential, &kdf, allow_insecure)?;
    if let Some(what) = credential.weak_key_file().filter(|_| !allow_weak_key_file) {
        return Err(Error::WeakKeyFile { what });
    }
    let salt: [u8; SALT_LEN] = crypto::random_bytes()?;
    let (params, kek) = match credential.secret()? {
        Secret::Passphrase(passphrase) => (
            SlotParams::Passphrase { kdf, salt },
            crypto::derive_kek(passphrase, &salt, &kdf)?,
        ),
        Secret::KeyFile(key) => (
            SlotParams::KeyFile { salt },
            crypto::key_file_kek(key, &salt),
        ),
        Secret::RecoveryKey(key) => (
            SlotParams::RecoveryKey { salt },
            crypto::recovery_key_kek(key, &salt),
        ),
    };
    Ok(PreparedSlot {
        name: name.into(),
        created_unix,
        params,
        kek,
    })
}
impl Unlocked {
    /// A brand-new vault: random store id and master key, and one slot for `first`.
    pub(crate) fn create(first: PreparedSlot, created_unix: u64) -> Result<Unlocked, Error> {
        let master = crypto::random_key()?;
        let mut header = HeaderV2 {
            store_id: crypto::random_bytes()?,
            created_unix,
            slots: Vec::new(),
        };
        let held = add_slot(&mut header, first, &master)?;
        Ok(Unlocked::derive(Header::V2(header), master, held))
    }

    /// The same vault as a format-2 header: the format-1 passphrase becomes the slot
    /// `passphrase`, with the same Argon2 parameters and salt (so no new derivation), and the
    /// same master key (so no record changes). A format-2 header is returned as it is.
    pub(crate) fn upgraded(&self) -> Result<Unlocked, Error> {
        let (header, held) = self.as_v2()?;
        Ok(Unlocked::derive(
            Header::V2(header),
            self.master.clone(),
            held,
        ))
    }

    /// This vault's header as format 2 — a format-1 header converted as [`Unlocked::upgraded`]
    /// says — and what unlocking it holds. No key is derived: slot changes start from this.
    fn as_v2(&self) -> Result<(HeaderV2, Held), Error> {
        let v1 = match &self.header {
            Header::V2(v2) => return Ok((v2.clone(), self.held.clone())),
            Header::V1(v1) => v1,
        };
        let Some((kdf, salt, kek)) = &self.held.v1_kek else {
            return Err(Error::internal("a format-1 vault unlocked without its KEK"));
        };
        let mut header = HeaderV2 {
            store_id: v1.store_id,
            created_unix: v1.created_unix,
            slots: Vec::new(),
        };
        let slot = PreparedSlot {
            name: V1_SLOT_NAME.into(),
            created_unix: v1.created_unix,
            params: SlotParams::Passphrase {
                kdf: *kdf,
                salt: *salt,
            },
            kek: kek.clone(),
        };
        let mut held = add_slot(&mut header, slot, &self.master)?;
        held.v1_kek = self.held.v1_kek.clone();
        Ok((header, held))
    }

    /// This vault with one more slot (upgraded to format 2 first).
    pub(crate) fn with_slot_added(&self, slot: PreparedSlot) -> Result<Unlocked, Error> {
        let (mut header, held) = self.as_v2()?;
        if header.slot(&slot.name).is_some() {
            return Err(Error::Slot {
                name: slot.name,
                reason: SlotError::NameTaken,
            });
        }
        if header.slots.len() >= MAX_SLOTS {
            return Err(Error::Slot {
                name: slot.name,
                reason: SlotError::TooManySlots { max: MAX_SLOTS },
            });
        }
        add_slot(&mut header, slot, &self.master)?;
        check_total_work(&header)?;
        Ok(Unlocked::derive(
            Header::V2(header),
            self.master.clone(),
            held,
        ))
    }

    /// This vault without the slot `name` (upgraded to format 2 first); with `rotate`, under a
    /// new master key wrapped to every remaining slot (the caller re-seals every record).
    pub(crate) fn with_slot_removed(&self, name: &str, rotate: bool) -> Result<Unlocked, Error> {
        let (mut header, mut held) = self.as_v2()?;
        let position = slot_position(&header, name)?;
        if header.slots.len() == 1 {
            return Err(Error::Slot {
                name: name.into(),
                reason: SlotError::LastSlot,
            });
        }
        header.slots.remove(position);
        if held.slot.as_deref() == Some(name) {
            held = Held::default();
        }
        let master = match rotate {
            false => self.master.clone(),
            true => rewrap_all(&mut header, &self.master)?,
        };
        Ok(Unlocked::derive(Header::V2(header), master, held))
    }

    /// This vault with the passphrase slot `name` replaced by `new` (same name and place, a new
    /// slot secret, so the old passphrase opens only old copies of the header); with `rotate`,
    /// under a new master key as well (the caller re-seals every record).
    pub(crate) fn with_slot_replaced(
        &self,
        name: &str,
        new: PreparedSlot,
        rotate: bool,
    ) -> Result<Unlocked, Error> {
        let (mut header, mut held) = self.as_v2()?;
        let position = slot_position(&header, name)?;
        let kind = match header.slots[position].params {
            SlotParams::Passphrase { .. } => None,
            SlotParams::KeyFile { .. } => Some(SlotKind::KeyFile),
            SlotParams::RecoveryKey { .. } => Some(SlotKind::RecoveryKey),
        };
        if let Some(kind) = kind {
            return Err(Error::Slot {
                name: name.into(),
                reason: SlotError::NotAPassphraseSlot { kind },
            });
        }
        let old = header.slots.remove(position);
        let new = PreparedSlot {
            name: old.name.clone(),
            ..new
        };
        let master = match rotate {
            false => self.master.clone(),
            true => rewrap_all(&mut header, &self.master)?,
        };
        let made = make_slot(&header, new, &master)?;
        header.slots.insert(position, made.0);
        check_total_work(&header)?;
        if held.slot.as_deref() == Some(old.name.as_str()) {
            held = made.1;
        }
        Ok(Unlocked::derive(Header::V2(header), master, held))
    }

    /// A new random master key (data-key rotation): format 1 wraps it under the passphrase's
    /// KEK; format 2 wraps it to every slot's public key, so no slot's credential is needed.
    pub(crate) fn rotated(&self) -> Result<Unlocked, Error> {
        match &self.header {
            Header::V1(v1) => {
                let Some((_, _, kek)) = &self.held.v1_kek else {
                    return Err(Error::internal("a format-1 vault unlocked without its KEK"));
                };
                let master = crypto::random_key()?;
                let header = wrap_v1(v1.clone(), kek, &master)?;
                Ok(Unlocked::derive(
                    Header::V1(header),
                    master,
                    self.held.clone(),
                ))
            }
            Header::V2(v2) => {
                let mut header = v2.clone();
                let master = rewrap_all(&mut header, &self.master)?;
                Ok(Unlocked::derive(
                    Header::V2(header),
                    master,
                    self.held.clone(),
                ))
            }
        }
    }

    /// Opens every slot's sealed public key with the master key: a slot that does not open was
    /// damaged or edited (`verify` reports it).
    pub(crate) fn check_slots(&self) -> Vec<String> {
        let Header::V2(header) = &self.header else {
            return Vec::new();
        };
        header
            .slots
            .iter()
            .filter(|slot| open_slot_public(header, slot, &self.master).is_err())
            .map(|slot| format!("key slot {:?}: its public key does not open", slot.name))
            .collect()
    }
}

fn slot_position(header: &HeaderV2, name: &str) -> Result<usize, Error> {
    header
        .slots
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| Error::Slot {
            name: name.into(),
            reason: SlotError::NotFound {
                existing: header.slots.iter().map(|s| s.name.clone()).collect(),
            },
        })
}

/// Refuses a header whose passphrase slots together would exceed the total KDF cap.
fn check_total_work(header: &HeaderV2) -> Result<(), Error> {
    let total = crate::format::total_kdf_work(&header.slots);
    if total > crate::format::MAX_TOTAL_WORK {
        let last = header
            .slots
            .last()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        return Err(Error::Slot {
            name: last,
            reason: SlotError::TotalWorkTooHigh {
                total,
                max: crate::format::MAX_TOTAL_WORK,
            },
        });
    }
    Ok(())
}

/// Makes the slot `prepared` for `master` and appends it; returns what unlocking it holds.
pub(super) fn add_slot(
    header: &mut HeaderV2,
    prepared: PreparedSlot,
    master: &Key,
) -> Result<Held, Error> {
    let (slot, held) = make_slot(header, prepared, master)?;
    header.slots.push(slot);
    Ok(held)
}

/// A new slot: a fresh X25519 secret sealed under the slot's KEK, the master key wrapped to its
/// public key, and the public key sealed under the master key.
fn make_slot(
    header: &HeaderV2,
    prepared: PreparedSlot,
    master: &Key,
) -> Result<(Slot, Held), Error> {
    let secret = crypto::random_key()?;
    let mut slot = Slot {
        name: prepared.name,
        created_unix: prepared.created_unix,
        params: prepared.params,
        sealed_secret: [0; crate::format::WRAP_LEN],
        ephemeral: [0; 32],
        wrapped_master: [0; crate::format::WRAP_LEN],
        sealed_public: [0; crate::format::WRAP_LEN],
    };
    let sealed = crypto::seal(
        &prepared.kek,
        &header.slot_aad(SECRET_AAD, &slot),
        secret.as_ref(),
    )?;
    slot.sealed_secret = to_wrap(&sealed)?;
    wrap_master_to(header, &mut slot, &crypto::slot_public(&secret), master)?;
    let held = Held {
        slot: Some(slot.name.clone()),
        slot_secret: Some(secret),
        v1_kek: None,
    };
    Ok((slot, held))
}

/// Writes `master` into `slot`, wrapped to `public`, with `public` sealed under `master`.
fn wrap_master_to(
    header: &HeaderV2,
    slot: &mut Slot,
    public: &[u8; 32],
    master: &Key,
) -> Result<(), Error> {
    let (ephemeral, wrapped) =
        crypto::wrap_to_slot(public, master, &header.slot_aad(MASTER_AAD, slot))?;
    slot.ephemeral = ephemeral;
    slot.wrapped_master = to_wrap(&wrapped)?;
    let public_key = crypto::derive_subkey(master, SLOT_PUBLIC_KEY_LABEL);
    let sealed = crypto::seal(&public_key, &header.slot_aad(PUBLIC_AAD, slot), public)?;
    slot.sealed_public = to_wrap(&sealed)?;
    Ok(())
}

/// A new master key, wrapped to every slot of `header` (their public keys opened with `old`).
fn rewrap_all(header: &mut HeaderV2, old: &Key) -> Result<Key, Error> {
    let master = crypto::random_key()?;
    let publics = header
        .slots
        .iter()
        .map(|slot| open_slot_public(header, slot, old))
        .collect::<Result<Vec<_>, _>>()?;
    let snapshot = header.clone();
    for (slot, public) in header.slots.iter_mut().zip(&publics) {
        wrap_master_to(&snapshot, slot, public, &master)?;
    }
    Ok(master)
}
pub(super) fn to_wrap(sealed: &[u8]) -> Result<[u8; crate::format::WRAP_LEN], Error> {
    sealed
        .try_into()
        .map_err(|_| Error::internal("a sealed key is not 60 bytes"))
}

pub(super) fn wrap_v1(mut header: HeaderV1, kek: &Key, master: &Key) -> Result<HeaderV1, Error> {
    let sealed = crypto::seal(kek, &header.wrap_aad(), master.as_ref())?;
    header.wrapped_master_key = to_wrap(&sealed)?;
    Ok(header)
}
