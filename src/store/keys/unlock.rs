//! Opening a header: with a credential (each slot of its kind, cheapest first), or with what
//! a handle already holds, to follow a header another process changed. The slot's three sealed
//! values are opened here too; nothing here makes new key material.
//!
//! Separate from `change.rs`: unlocking runs on every open and every header change another
//! process makes, and must never write; making and changing slots runs only on the key
//! commands.

use zeroize::Zeroizing;

use super::{
    Held, MASTER_AAD, PUBLIC_AAD, SECRET_AAD, SLOT_PUBLIC_KEY_LABEL, Unlocked, V1_SLOT_NAME,
};
use crate::credential::{Credential, Secret};
use crate::crypto::{self, Key};
use crate::error::Error;
use crate::format::{Header, HeaderV1, HeaderV2, Slot, SlotParams};

impl Unlocked {
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

pub(super) fn open_slot_public(
    header: &HeaderV2,
    slot: &Slot,
    master: &Key,
) -> Result<[u8; 32], Error> {
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
fn unwrap_v1(header: &HeaderV1, kek: &Key) -> Result<Key, crypto::OpenFailed> {
    let plain: Zeroizing<Vec<u8>> =
        crypto::open(kek, &header.wrap_aad(), &header.wrapped_master_key)?;
    crypto::key_from(&plain).ok_or(crypto::OpenFailed)
}
