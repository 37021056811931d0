//! The unlocked key material of one vault, and the operations that create or change it: unlock
//! with a credential, make and change key slots, rotate the master key, upgrade a format-1
//! header (FORMAT.md §Keys, §Key slots).
//!
//! Every function here is pure key work on a header and returns a new [`Unlocked`]; writing it
//! is the transaction's job (`write.rs`), and Argon2 runs before any transaction begins
//! ([`prepare_slot`]), never inside one.

use zeroize::Zeroizing;

use crate::blind_index::IndexKeys;
use crate::credential::{Credential, Secret};
use crate::crypto::{self, KdfParams, Key, SALT_LEN};
use crate::error::Error;
use crate::format::{Header, HeaderV1, HeaderV2, MAX_SLOTS, Slot, SlotParams, StoreId};

/// Labels of the keys derived from the master key (FORMAT.md §Keys). Changing one is a new format.
const RECORD_KEY_LABEL: &[u8] = b"tokenvault/v1/record";
const STATE_MAC_LABEL: &[u8] = b"tokenvault/v1/state-mac";
const SLOT_PUBLIC_KEY_LABEL: &[u8] = b"tokenvault/v2/slot-public";
/// Labels that start the associated data of a slot's three sealed values (FORMAT.md §Key slots).
const SECRET_AAD: &[u8] = b"tokenvault/v2/slot-secret";
const MASTER_AAD: &[u8] = b"tokenvault/v2/slot-master";
const PUBLIC_AAD: &[u8] = b"tokenvault/v2/slot-public";

/// The name a format-1 vault's one passphrase gets as a slot (when listed, and on upgrade).
pub(crate) const V1_SLOT_NAME: &str = "passphrase";

/// Everything an unlocked handle needs: the header it was unlocked from, the master key (to
/// change slots and rotate) and the keys derived from it, and what it was unlocked with (to
/// follow another process's change of the header).
pub(crate) struct Unlocked {
    /// The exact header bytes these keys belong to. A transaction that finds other bytes in the
    /// store knows another process changed the header.
    pub(crate) header_bytes: Vec<u8>,
    pub(crate) header: Header,
    master: Key,
    held: Held,
    pub(crate) record_key: Key,
    pub(crate) state_mac_key: Key,
    pub(crate) index: IndexKeys,
}

/// What a handle was unlocked with, kept so it can follow a header that another process changed
/// (a rotation, an upgrade, a slot added) without asking for the credential again.
#[derive(Clone, Default)]
struct Held {
    /// The name of the slot it unlocked (format 1: [`V1_SLOT_NAME`]).
    slot: Option<String>,
    /// That slot's X25519 secret (format 2).
    slot_secret: Option<Key>,
    /// A format-1 passphrase's KEK, with the parameters and salt it was derived with: after an
    /// upgrade the passphrase slot keeps both, so the KEK still opens it.
    v1_kek: Option<(KdfParams, [u8; SALT_LEN], Key)>,
}

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
    crate::format::check_slot_name(name).map_err(|what| Error::Slot {
        name: name.into(),
        what,
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
    pub(crate) fn store_id(&self) -> &StoreId {
        self.header.store_id()
    }

    /// The name of the slot this handle unlocked (format 1: `passphrase`).
    pub(crate) fn unlocked_slot(&self) -> Option<&str> {
        self.held.slot.as_deref()
    }

    /// Unlocks a header with a credential. The header is parsed (caps checked) before any key is
    /// derived. A passphrase tries each passphrase slot in order (one Argon2 run each), a key
    /// file each key-file slot (microseconds each).
    pub(crate) fn unlock(header_bytes: &[u8], credential: &Credential) -> Result<Unlocked, Error> {
        let secret = credential.secret()?;
        match Header::decode(header_bytes)? {
            Header::V1(header) => {
                let Secret::Passphrase(passphrase) = secret else {
                    return Err(Error::NoSlotOfKind {
                        kind: credential.kind(),
                        other: "passphrase (a format-1 vault has only that)",
                    });
                };
                let kek = crypto::derive_kek(passphrase, &header.salt, &header.kdf)?;
                let master = unwrap_v1(&header, &kek).map_err(|_| Error::WrongPassphrase)?;
                let held = Held {
                    slot: Some(V1_SLOT_NAME.into()),
                    slot_secret: None,
                    v1_kek: Some((header.kdf, header.salt, kek)),
                };
                Ok(Unlocked::derive(Header::V1(header), master, held))
            }
            Header::V2(header) => {
                let (other, wrong) = match secret {
                    Secret::Passphrase(_) => ("key file or recovery key", Error::WrongPassphrase),
                    Secret::KeyFile(_) => ("passphrase or recovery key", Error::WrongKeyFile),
                    Secret::RecoveryKey(_) => ("passphrase or key file", Error::WrongRecoveryKey),
                };
                let kind = credential.kind();
                let mut tried = false;
                for slot in header.slots_in_trial_order() {
                    let kek = match (&secret, &slot.params) {
                        (Secret::Passphrase(p), SlotParams::Passphrase { kdf, salt }) => {
                            crypto::derive_kek(p, salt, kdf)?
                        }
                        (Secret::KeyFile(key), SlotParams::KeyFile { salt }) => {
                            crypto::key_file_kek(key, salt)
                        }
                        (Secret::RecoveryKey(key), SlotParams::RecoveryKey { salt }) => {
                            crypto::recovery_key_kek(key, salt)
                        }
                        _ => continue,
                    };
                    tried = true;
                    let Ok(slot_secret) = open_slot_secret(&header, slot, &kek) else {
                        continue;
                    };
                    // The credential opened the slot: from here on a failure is damage or an
                    // edit of the header, not a wrong credential.
                    let master = open_slot_master(&header, slot, &slot_secret)?.ok_or_else(|| {
                        Error::corrupted(format!(
                            "header: key slot {:?} opens, but the master key wrapped to it does not",
                            slot.name
                        ))
                    })?;
                    let held = Held {
                        slot: Some(slot.name.clone()),
                        slot_secret: Some(slot_secret),
                        v1_kek: None,
                    };
                    return Ok(Unlocked::derive(Header::V2(header), master, held));
                }
                Err(if tried {
                    wrong
                } else {
                    Error::NoSlotOfKind { kind, other }
                })
            }
        }
    }

    /// The keys for a header another process wrote (a rotation, a slot change, an upgrade),
    /// found with what this handle holds. [`Error::KeyChanged`] when that no longer opens it (its
    /// slot was removed or its passphrase changed).
    pub(crate) fn follow(&self, header_bytes: &[u8]) -> Result<Unlocked, Error> {
        let header = Header::decode(header_bytes)?;
        if header.store_id() != self.store_id() {
            return Err(Error::corrupted("the header now names another vault"));
        }
        let held = self.held.clone();
        match &header {
            Header::V1(v1) => {
                let Some((_, _, kek)) = &held.v1_kek else {
                    return Err(Error::KeyChanged);
                };
                let master = unwrap_v1(v1, kek).map_err(|_| Error::KeyChanged)?;
                Ok(Unlocked::derive(header, master, held))
            }
            Header::V2(v2) => {
                for slot in &v2.slots {
                    let secret = match (&held.slot_secret, &held.v1_kek, &slot.params) {
                        (Some(secret), _, _) => Some(secret.clone()),
                        // An upgrade kept the format-1 passphrase's parameters and salt.
                        (
                            None,
                            Some((kdf, salt, kek)),
                            SlotParams::Passphrase { kdf: k, salt: s },
                        ) if k == kdf && s == salt => open_slot_secret(v2, slot, kek).ok(),
                        _ => None,
                    };
                    let Some(secret) = secret else { continue };
                    if let Some(master) = open_slot_master(v2, slot, &secret)? {
                        let held = Held {
                            slot: Some(slot.name.clone()),
                            slot_secret: Some(secret),
                            v1_kek: held.v1_kek.clone(),
                        };
                        return Ok(Unlocked::derive(header, master, held));
                    }
                }
                Err(Error::KeyChanged)
            }
        }
    }

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
                what:
                    "a slot of that name is already there; remove it first, or choose another name"
                        .into(),
            });
        }
        if header.slots.len() >= MAX_SLOTS {
            return Err(Error::Slot {
                name: slot.name,
                what: format!("the vault already has {MAX_SLOTS} slots, the most it may have"),
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
                what: "it is the vault's last slot; add another before removing it (a vault with no slot could never be opened)".into(),
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
        if header.slots[position].kdf().is_none() {
            return Err(Error::Slot {
                name: name.into(),
                what: "it is a key-file slot; a key file has no passphrase to change (add a new key file and remove this slot)".into(),
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

    fn derive(header: Header, master: Key, held: Held) -> Unlocked {
        Unlocked {
            header_bytes: header.encode(),
            header,
            record_key: crypto::derive_subkey(&master, RECORD_KEY_LABEL),
            state_mac_key: crypto::derive_subkey(&master, STATE_MAC_LABEL),
            index: IndexKeys::derive(&master),
            master,
            held,
        }
    }
}

fn slot_position(header: &HeaderV2, name: &str) -> Result<usize, Error> {
    header
        .slots
        .iter()
        .position(|s| s.name == name)
        .ok_or_else(|| Error::Slot {
            name: name.into(),
            what: format!(
                "the vault has no slot of that name (it has: {})",
                header
                    .slots
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
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
            what: format!(
                "the passphrase slots together would ask for {total} KiB-passes of Argon2id, more than the {} a vault may (a wrong passphrase runs them all); use lower --kdf settings",
                crate::format::MAX_TOTAL_WORK
            ),
        });
    }
    Ok(())
}

/// Makes the slot `prepared` for `master` and appends it; returns what unlocking it holds.
fn add_slot(header: &mut HeaderV2, prepared: PreparedSlot, master: &Key) -> Result<Held, Error> {
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

fn open_slot_secret(header: &HeaderV2, slot: &Slot, kek: &Key) -> Result<Key, crypto::OpenFailed> {
    let plain = crypto::open(kek, &header.slot_aad(SECRET_AAD, slot), &slot.sealed_secret)?;
    crypto::key_from(&plain).ok_or(crypto::OpenFailed)
}

/// The master key in `slot`, opened with the slot's secret; `None` when it does not open (not
/// this slot). A master key that opens but does not open the slot's sealed public key to the
/// secret's own public key was not written by a holder of the master key: corrupted.
fn open_slot_master(header: &HeaderV2, slot: &Slot, secret: &Key) -> Result<Option<Key>, Error> {
    let Ok(master) = crypto::unwrap_from_slot(
        secret,
        &slot.ephemeral,
        &slot.wrapped_master,
        &header.slot_aad(MASTER_AAD, slot),
    ) else {
        return Ok(None);
    };
    match open_slot_public(header, slot, &master) {
        Ok(public) if public == crypto::slot_public(secret) => Ok(Some(master)),
        _ => Err(Error::corrupted(format!(
            "header: key slot {:?} holds a master key that does not seal its public key",
            slot.name
        ))),
    }
}

fn open_slot_public(header: &HeaderV2, slot: &Slot, master: &Key) -> Result<[u8; 32], Error> {
    let key = crypto::derive_subkey(master, SLOT_PUBLIC_KEY_LABEL);
    crypto::open(
        &key,
        &header.slot_aad(PUBLIC_AAD, slot),
        &slot.sealed_public,
    )
    .ok()
    .and_then(|plain| crypto::key_from(&plain))
    .map(|key| *key)
    .ok_or_else(|| {
        Error::corrupted(format!(
            "header: the public key of key slot {:?} does not open",
            slot.name
        ))
    })
}

fn to_wrap(sealed: &[u8]) -> Result<[u8; crate::format::WRAP_LEN], Error> {
    sealed
        .try_into()
        .map_err(|_| Error::internal("a sealed key is not 60 bytes"))
}

fn wrap_v1(mut header: HeaderV1, kek: &Key, master: &Key) -> Result<HeaderV1, Error> {
    let sealed = crypto::seal(kek, &header.wrap_aad(), master.as_ref())?;
    header.wrapped_master_key = to_wrap(&sealed)?;
    Ok(header)
}

fn unwrap_v1(header: &HeaderV1, kek: &Key) -> Result<Key, crypto::OpenFailed> {
    let plain: Zeroizing<Vec<u8>> =
        crypto::open(kek, &header.wrap_aad(), &header.wrapped_master_key)?;
    crypto::key_from(&plain).ok_or(crypto::OpenFailed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::HeaderEntry;
    use crate::{Location, OpenOptions};

    /// Writes `header` over the vault's header entry, as anyone with write access to the file
    /// (or the server's tables) can; the state entry is left as it is.
    fn overwrite_header(vault: &crate::Vault, header: &Header) {
        let mut txn = vault.engine.begin_write().unwrap();
        txn.store()
            .unwrap()
            .put_header_entry(HeaderEntry::Header, &header.encode())
            .unwrap();
        txn.commit().unwrap();
    }

    #[test]
    fn a_costlier_passphrase_slot_placed_first_is_not_derived_when_a_cheaper_one_opens() {
        // Someone with write access puts a slot of the most Argon2 work the caps allow before
        // the real one: an open with the right passphrase must not pay for it.
        let insecure = KdfParams::insecure_for_tests();
        let costly = KdfParams {
            memory_kib: insecure.memory_kib * 4,
            iterations: insecure.iterations * 2,
            ..insecure
        };
        let decoy = prepare_slot(
            "decoy",
            &Credential::passphrase("other"),
            costly,
            true,
            true,
            1,
        );
        let real = Credential::passphrase("right");
        let vault = Unlocked::create(decoy.unwrap(), 1).unwrap();
        let Header::V2(mut header) = vault.header.clone() else {
            panic!("a new vault is format 2")
        };
        let slot = prepare_slot("real", &real, insecure, true, true, 1).unwrap();
        add_slot(&mut header, slot, &vault.master).unwrap();
        let bytes = Header::V2(header).encode();

        let before = crypto::KDF_RUNS.with(std::cell::Cell::get);
        let unlocked = Unlocked::unlock(&bytes, &real).unwrap();
        let runs = crypto::KDF_RUNS.with(std::cell::Cell::get) - before;
        assert_eq!(unlocked.unlocked_slot(), Some("real"));
        assert_eq!(
            runs, 1,
            "the costlier slot before the real one was derived too"
        );
        // A wrong passphrase still tries every passphrase slot (bounded by the total cap).
        let before = crypto::KDF_RUNS.with(std::cell::Cell::get);
        assert!(Unlocked::unlock(&bytes, &Credential::passphrase("wrong")).is_err());
        assert_eq!(crypto::KDF_RUNS.with(std::cell::Cell::get) - before, 2);
    }

    #[test]
    fn a_slot_forged_into_the_header_is_neither_accepted_nor_followed_by_reads() {
        // With write access only: a self-consistent key-file slot, wrapping a master key of the
        // forger's choosing, appended to the real header. Its store id is the vault's own.
        let vault = OpenOptions::new()
            .kdf(KdfParams::insecure_for_tests())
            .insecure_kdf(true)
            .create(Location::memory(), "the real passphrase")
            .unwrap();
        let forged_key = Credential::key_bytes(&crypto::random_bytes::<32>().unwrap()).unwrap();
        let Header::V2(mut header) = Header::decode(&vault.header_bytes()).unwrap() else {
            panic!("a new vault is format 2")
        };
        let slot =
            prepare_slot("forged", &forged_key, KdfParams::default(), true, false, 1).unwrap();
        add_slot(&mut header, slot, &crypto::random_key().unwrap()).unwrap();
        overwrite_header(&vault, &Header::V2(header));

        assert!(
            !matches!(vault.accepts(&forged_key), Ok(true)),
            "a credential that opens only a forged slot was accepted"
        );
        let read = vault.get_tokens();
        assert!(
            matches!(read, Err(Error::Corrupted { .. })),
            "a read followed a header whose state does not verify: {read:?}"
        );
    }

    fn key_file(byte: u8) -> Credential {
        Credential::key_bytes(&[byte; 32]).expect("32 bytes")
    }

    fn new_vault(credential: &Credential) -> Unlocked {
        let slot = prepare_slot(
            "k",
            credential,
            KdfParams::insecure_for_tests(),
            true,
            true,
            1,
        )
        .unwrap();
        Unlocked::create(slot, 1).unwrap()
    }

    #[test]
    fn a_master_key_planted_without_the_old_master_key_is_refused() {
        // Someone who can write the header (and even knew the slot's public key, which only
        // holders of the master key ever see) wraps a master key of their choosing to the slot.
        // The slot's public key, sealed under the real master key, does not open under theirs.
        let credential = key_file(1);
        let vault = new_vault(&credential);
        let Header::V2(mut header) = vault.header.clone() else {
            panic!("a new vault is format 2")
        };
        let secret = vault.held.slot_secret.clone().unwrap();
        let planted = crypto::random_key().unwrap();
        let aad = header.slot_aad(MASTER_AAD, &header.slots[0]);
        let (ephemeral, wrapped) =
            crypto::wrap_to_slot(&crypto::slot_public(&secret), &planted, &aad).unwrap();
        header.slots[0].ephemeral = ephemeral;
        header.slots[0].wrapped_master = to_wrap(&wrapped).unwrap();
        let bytes = Header::V2(header).encode();
        assert!(matches!(
            Unlocked::unlock(&bytes, &credential),
            Err(Error::Corrupted { .. })
        ));
        assert!(Unlocked::unlock(&vault.header_bytes, &credential).is_ok());
    }

    #[test]
    fn a_slot_moved_to_another_name_or_vault_does_not_open() {
        let credential = key_file(2);
        let vault = new_vault(&credential);
        let Header::V2(header) = vault.header.clone() else {
            panic!("a new vault is format 2")
        };
        let mut renamed = header.clone();
        renamed.slots[0].name = "other".into();
        let mut moved = header;
        moved.store_id[0] ^= 1;
        for bad in [renamed, moved] {
            assert!(matches!(
                Unlocked::unlock(&Header::V2(bad).encode(), &credential),
                Err(Error::WrongKeyFile)
            ));
        }
    }

    #[test]
    fn an_upgrade_keeps_the_master_key_and_the_passphrase() {
        let kdf = KdfParams::insecure_for_tests();
        let kek = crypto::derive_kek(b"pw", &[4; SALT_LEN], &kdf).unwrap();
        let master = crypto::random_key().unwrap();
        let v1 = HeaderV1 {
            store_id: [8; 16],
            created_unix: 5,
            kdf,
            salt: [4; SALT_LEN],
            wrapped_master_key: [0; crate::format::WRAP_LEN],
        };
        let v1 = wrap_v1(v1, &kek, &master).unwrap();
        let bytes = Header::V1(v1).encode();
        let old = Unlocked::unlock(&bytes, &Credential::from("pw")).unwrap();
        let new = old.upgraded().unwrap();
        assert_eq!(new.header.version(), 2);
        assert_eq!(*new.record_key, *old.record_key);
        let reopened = Unlocked::unlock(&new.header_bytes, &Credential::from("pw")).unwrap();
        assert_eq!(*reopened.record_key, *old.record_key);
        assert_eq!(reopened.unlocked_slot(), Some(V1_SLOT_NAME));
        // A handle still holding the format-1 KEK follows the upgraded header.
        let followed = old.follow(&new.header_bytes).unwrap();
        assert_eq!(*followed.record_key, *old.record_key);
    }
}
