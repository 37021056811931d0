//! Format version 2 (FORMAT.md §Key slots): the vault's identity and one to [`MAX_SLOTS`] named
//! key slots — passphrase, key file or recovery key — each with its descriptor, sealed secret,
//! wrapped master key and sealed public key. What this build writes.
//!
//! Separate from `v1.rs`: a variable-length layout read through a bounds-checked cursor, with
//! the caps (slot count, name, total KDF work) checked before any key is derived.

use super::v1::{OFF_CREATED, OFF_KDF_ALG, OFF_STORE_ID, OFF_VERSION};
use super::{
    CHECKSUM_LEN, FORMAT_V2, KDF_ARGON2ID_13, MAGIC, StoreId, WRAP_LEN, decode_kdf, encode_kdf,
    verify_checksum,
};
use crate::crypto::{self, KdfParams, SALT_LEN};
use crate::error::{Error, SlotError};
use crate::format::read_array;

/// The most key slots a vault may have (LUKS2 has 32; 16 keeps the worst case of a wrong
/// passphrase, one Argon2 run per passphrase slot, bounded).
pub(crate) const MAX_SLOTS: usize = 16;
/// The most total Argon2 work (`memory_kib × iterations`, summed over the passphrase slots) a
/// header may ask for: a wrong passphrase runs every passphrase slot's KDF, so a tampered header
/// could otherwise multiply the per-slot cap by [`MAX_SLOTS`].
pub(crate) const MAX_TOTAL_WORK: u64 = 4 * KdfParams::MAX_WORK;
/// The longest slot name, in bytes.
pub(crate) const MAX_NAME_LEN: usize = 64;
/// Bytes 0..34 of a version-2 header (magic, version, store id, creation time): bound into every
/// slot's associated data.
pub(super) const V2_PREFIX_LEN: usize = OFF_KDF_ALG; // 34

const KIND_PASSPHRASE: u8 = 1;
const KIND_KEY_FILE: u8 = 2;
const KIND_RECOVERY_KEY: u8 = 3;

/// How a slot's key-encryption key is made from its credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SlotParams {
    /// Argon2id of a passphrase with these parameters and salt.
    Passphrase {
        kdf: KdfParams,
        salt: [u8; SALT_LEN],
    },
    /// BLAKE2b-MAC of a key file's 32 bytes with this salt: no password KDF, so opening costs
    /// microseconds (the file is random, so there is nothing to guess slowly).
    KeyFile { salt: [u8; SALT_LEN] },
    /// BLAKE2b-MAC of a recovery key's 32 bytes (typed back from its base32 text), with this
    /// salt, under a label of its own.
    RecoveryKey { salt: [u8; SALT_LEN] },
}

/// One key slot of a version-2 header (FORMAT.md §Key slots).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Unique within the vault; letters, digits and `.`, `_`, `-`, `@`.
    pub(crate) name: String,
    pub(crate) created_unix: u64,
    pub(crate) params: SlotParams,
    /// The slot's X25519 secret, sealed under the slot's KEK.
    pub(crate) sealed_secret: [u8; WRAP_LEN],
    /// The ephemeral X25519 public key the master key was wrapped with.
    pub(crate) ephemeral: [u8; 32],
    /// The master key, wrapped to the slot's public key.
    pub(crate) wrapped_master: [u8; WRAP_LEN],
    /// The slot's public key, sealed under a key derived from the master key, so only someone
    /// who holds the master key can wrap a new one to this slot.
    pub(crate) sealed_public: [u8; WRAP_LEN],
}

impl Slot {
    /// The slot's descriptor: kind, name, creation time and KDF parameters — every byte that
    /// says how the slot is unlocked. Bound into the associated data of its sealed values, so a
    /// slot edited to weaker parameters never unlocks.
    pub(crate) fn descriptor(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.name.len() + 8 + 29);
        match &self.params {
            SlotParams::Passphrase { .. } => out.push(KIND_PASSPHRASE),
            SlotParams::KeyFile { .. } => out.push(KIND_KEY_FILE),
            SlotParams::RecoveryKey { .. } => out.push(KIND_RECOVERY_KEY),
        }
        // The name is at most MAX_NAME_LEN (64) bytes: checked by `check_name` before any
        // slot is made or accepted.
        out.push(self.name.len() as u8);
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(&self.created_unix.to_le_bytes());
        match &self.params {
            SlotParams::Passphrase { kdf, salt } => {
                out.push(KDF_ARGON2ID_13);
                out.extend_from_slice(&encode_kdf(kdf));
                out.extend_from_slice(salt);
            }
            SlotParams::KeyFile { salt } | SlotParams::RecoveryKey { salt } => {
                out.extend_from_slice(salt)
            }
        }
        out
    }

    /// The KDF parameters of a passphrase slot.
    pub(crate) fn kdf(&self) -> Option<KdfParams> {
        match &self.params {
            SlotParams::Passphrase { kdf, .. } => Some(*kdf),
            SlotParams::KeyFile { .. } | SlotParams::RecoveryKey { .. } => None,
        }
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.descriptor());
        out.extend_from_slice(&self.sealed_secret);
        out.extend_from_slice(&self.ephemeral);
        out.extend_from_slice(&self.wrapped_master);
        out.extend_from_slice(&self.sealed_public);
    }
}

/// Whether `name` may name a slot: 1 to 64 bytes of ASCII letters, digits, `.`, `_`, `-`, `@`
/// (it is shown in tables and typed on command lines; no spaces, no control characters).
pub(crate) fn check_name(name: &str) -> Result<(), SlotError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(SlotError::NameLength {
            length: name.len(),
            max: MAX_NAME_LEN,
        });
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
    {
        return Err(SlotError::NameCharacters);
    }
    Ok(())
}

/// A version-2 header: the vault's identity and its key slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderV2 {
    pub(crate) store_id: StoreId,
    pub(crate) created_unix: u64,
    /// One to [`MAX_SLOTS`], names unique, in the order they were added.
    pub(crate) slots: Vec<Slot>,
}

/// The Argon2 work (KiB-passes) of `slots`' passphrase slots together: what a wrong passphrase
/// costs, since it runs them all. At most [`MAX_TOTAL_WORK`] in any header.
pub(crate) fn total_kdf_work(slots: &[Slot]) -> u64 {
    slots
        .iter()
        .filter_map(Slot::kdf)
        .map(|kdf| kdf.work())
        .sum()
}

impl HeaderV2 {
    /// The slots in the order an unlock tries them: key-file and recovery-key slots (no KDF)
    /// first, then passphrase slots by ascending Argon2 work (then memory), ties in header
    /// order. Someone who can write the header can add slots, but not steer an open with the
    /// right passphrase into a costlier derivation than its own slot's: every slot tried before
    /// it asks for at most its work, so at most its memory × passes of memory, and the open
    /// costs at most [`MAX_SLOTS`] times its own derivation.
    pub(crate) fn slots_in_trial_order(&self) -> Vec<&Slot> {
        let mut slots: Vec<&Slot> = self.slots.iter().collect();
        slots.sort_by_key(|slot| {
            slot.kdf()
                .map_or((0, 0), |kdf| (kdf.work(), kdf.memory_kib))
        });
        slots
    }

    /// Magic, version, store id and creation time.
    fn prefix(&self) -> [u8; V2_PREFIX_LEN] {
        let mut out = [0u8; V2_PREFIX_LEN];
        out[..OFF_VERSION].copy_from_slice(&MAGIC);
        out[OFF_VERSION..OFF_STORE_ID].copy_from_slice(&FORMAT_V2.to_le_bytes());
        out[OFF_STORE_ID..OFF_CREATED].copy_from_slice(&self.store_id);
        out[OFF_CREATED..].copy_from_slice(&self.created_unix.to_le_bytes());
        out
    }

    /// The associated data of a slot's sealed secret: `label ‖ prefix ‖ descriptor`.
    pub(crate) fn slot_aad(&self, label: &[u8], slot: &Slot) -> Vec<u8> {
        let mut out = label.to_vec();
        out.extend_from_slice(&self.prefix());
        out.extend_from_slice(&slot.descriptor());
        out
    }

    /// The slot named `name`.
    pub(crate) fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name)
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = self.prefix().to_vec();
        // At most MAX_SLOTS (16): every change checks the count before it encodes.
        out.push(self.slots.len() as u8);
        for slot in &self.slots {
            slot.encode_into(&mut out);
        }
        let sum = crypto::checksum(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Checks (after magic and version): checksum, slot count, each slot's layout, kind, name
    /// and KDF parameters, unique names, the total KDF work, and that nothing follows.
    pub(super) fn decode(bytes: &[u8]) -> Result<HeaderV2, Error> {
        if bytes.len() < V2_PREFIX_LEN + 1 + CHECKSUM_LEN {
            return Err(Error::corrupted(format!(
                "header: {} bytes, too short for version 2",
                bytes.len()
            )));
        }
        verify_checksum(bytes)?;
        let body = &bytes[..bytes.len() - CHECKSUM_LEN];
        let count = usize::from(body[V2_PREFIX_LEN]);
        if count == 0 || count > MAX_SLOTS {
            return Err(Error::corrupted(format!(
                "header: {count} key slots (1 to {MAX_SLOTS} allowed)"
            )));
        }
        let mut reader = Reader {
            bytes: body,
            at: V2_PREFIX_LEN + 1,
        };
        let mut slots: Vec<Slot> = Vec::with_capacity(count);
        for index in 0..count {
            let slot = reader.slot(index)?;
            if slots.iter().any(|s| s.name == slot.name) {
                return Err(Error::corrupted(format!(
                    "header: two key slots are named {:?}",
                    slot.name
                )));
            }
            slots.push(slot);
        }
        let total_work = total_kdf_work(&slots);
        if total_work > MAX_TOTAL_WORK {
            // Not damage (the checksum verified, every slot is well formed): a limit of this
            // build's, refused with its own error as the per-slot caps are.
            return Err(Error::KdfTotalCostTooHigh {
                total: total_work,
                max: MAX_TOTAL_WORK,
            });
        }
        if reader.at != body.len() {
            return Err(Error::corrupted(format!(
                "header: {} bytes after the last key slot",
                body.len() - reader.at
            )));
        }
        Ok(HeaderV2 {
            store_id: read_array(bytes, OFF_STORE_ID),
            created_unix: u64::from_le_bytes(read_array(bytes, OFF_CREATED)),
            slots,
        })
    }
}

/// A cursor over a version-2 header's slots; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, slot: usize) -> Result<&[u8], Error> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(Error::corrupted(format!(
                "header: key slot {slot} runs past the end"
            )));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, slot: usize) -> Result<[u8; N], Error> {
        Ok(read_array(self.take(N, slot)?, 0))
    }

    fn slot(&mut self, index: usize) -> Result<Slot, Error> {
        let [kind, name_len] = self.array::<2>(index)?;
        let name = self.take(usize::from(name_len), index)?;
        let name = std::str::from_utf8(name)
            .ok()
            .filter(|name| check_name(name).is_ok())
            .ok_or_else(|| Error::corrupted(format!("header: key slot {index} has a bad name")))?
            .to_string();
        let created_unix = u64::from_le_bytes(self.array(index)?);
        let params = match kind {
            KIND_PASSPHRASE => {
                let kdf_bytes = self.take(13, index)?;
                let kdf = decode_kdf(kdf_bytes, 0)?;
                SlotParams::Passphrase {
                    kdf,
                    salt: self.array(index)?,
                }
            }
            KIND_KEY_FILE => SlotParams::KeyFile {
                salt: self.array(index)?,
            },
            KIND_RECOVERY_KEY => SlotParams::RecoveryKey {
                salt: self.array(index)?,
            },
            other => {
                return Err(Error::corrupted(format!(
                    "header: key slot {index} is of unknown kind {other}"
                )));
            }
        };
        Ok(Slot {
            name,
            created_unix,
            params,
            sealed_secret: self.array(index)?,
            ephemeral: self.array(index)?,
            wrapped_master: self.array(index)?,
            sealed_public: self.array(index)?,
        })
    }
}
