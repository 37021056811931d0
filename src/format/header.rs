//! The static header (FORMAT.md §Header): which vault this is, and the key slots that unlock it.
//!
//! Format version 1 has one passphrase and its wrapped master key in 155 fixed bytes
//! ([`HeaderV1`]); version 2 has one to [`MAX_SLOTS`] named key slots ([`HeaderV2`]). Both
//! begin with the magic and the version, so a reader knows which it holds before anything else.
//! This module parses and encodes; it derives no key and decides nothing (`store/keys.rs` does).

use crate::crypto::{self, KEY_LEN, KdfParams, NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::error::Error;

use super::{read_array, read_u32};

/// Format version 1: one passphrase (FORMAT.md §Header, version 1).
pub(crate) const FORMAT_V1: u16 = 1;
/// Format version 2: key slots. What this build writes.
pub(crate) const FORMAT_V2: u16 = 2;
/// The format version this build writes.
pub(crate) const FORMAT_VERSION: u16 = FORMAT_V2;
/// First bytes of the header: identifies a tokenvault file.
pub(crate) const MAGIC: [u8; 8] = *b"TKNVAULT";
/// Argon2id, version 0x13: the only password KDF of either version.
const KDF_ARGON2ID_13: u8 = 1;

/// Identifies one vault; bound into every record's associated data.
pub(crate) type StoreId = [u8; 16];

/// `nonce ‖ AES-256-GCM(key, 32 bytes) ‖ tag`.
pub(crate) const WRAP_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN; // 60
const CHECKSUM_LEN: usize = 32;

// ---- Version 1 --------------------------------------------------------------------------------

const OFF_VERSION: usize = 8;
const OFF_STORE_ID: usize = 10;
const OFF_CREATED: usize = 26;
const OFF_KDF_ALG: usize = 34;
const OFF_KDF_M: usize = 35;
const OFF_SALT: usize = 47;
/// Everything before this offset is the associated data of the version-1 wrapped master key.
const OFF_WRAP: usize = OFF_SALT + SALT_LEN; // 63
const OFF_CHECKSUM: usize = OFF_WRAP + WRAP_LEN; // 123
/// Length of a version-1 header.
pub(crate) const V1_LEN: usize = OFF_CHECKSUM + CHECKSUM_LEN; // 155

/// A version-1 header: one passphrase, its KDF parameters and the master key wrapped under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderV1 {
    pub(crate) store_id: StoreId,
    pub(crate) created_unix: u64,
    pub(crate) kdf: KdfParams,
    pub(crate) salt: [u8; SALT_LEN],
    /// `nonce ‖ AES-256-GCM(KEK, master key) ‖ tag`, associated data = [`HeaderV1::wrap_aad`].
    pub(crate) wrapped_master_key: [u8; WRAP_LEN],
}

impl HeaderV1 {
    /// The bytes the wrapped master key is bound to: every field before it.
    pub(crate) fn wrap_aad(&self) -> [u8; OFF_WRAP] {
        let mut out = [0u8; OFF_WRAP];
        out[..OFF_VERSION].copy_from_slice(&MAGIC);
        out[OFF_VERSION..OFF_STORE_ID].copy_from_slice(&FORMAT_V1.to_le_bytes());
        out[OFF_STORE_ID..OFF_CREATED].copy_from_slice(&self.store_id);
        out[OFF_CREATED..OFF_KDF_ALG].copy_from_slice(&self.created_unix.to_le_bytes());
        out[OFF_KDF_ALG] = KDF_ARGON2ID_13;
        out[OFF_KDF_M..OFF_SALT].copy_from_slice(&encode_kdf(&self.kdf));
        out[OFF_SALT..OFF_WRAP].copy_from_slice(&self.salt);
        out
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(V1_LEN);
        out.extend_from_slice(&self.wrap_aad());
        out.extend_from_slice(&self.wrapped_master_key);
        let sum = crypto::checksum(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Checks (after magic and version): length, checksum, KDF algorithm, KDF caps.
    fn decode(bytes: &[u8]) -> Result<HeaderV1, Error> {
        if bytes.len() != V1_LEN {
            return Err(Error::corrupted(format!(
                "header: {} bytes, expected {V1_LEN}",
                bytes.len()
            )));
        }
        verify_checksum(bytes)?;
        let kdf = decode_kdf(bytes, OFF_KDF_ALG)?;
        Ok(HeaderV1 {
            store_id: read_array(bytes, OFF_STORE_ID),
            created_unix: u64::from_le_bytes(read_array(bytes, OFF_CREATED)),
            kdf,
            salt: read_array(bytes, OFF_SALT),
            wrapped_master_key: read_array(bytes, OFF_WRAP),
        })
    }
}

// ---- Version 2 --------------------------------------------------------------------------------

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
const V2_PREFIX_LEN: usize = OFF_KDF_ALG; // 34

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
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!("a slot name has 1 to {MAX_NAME_LEN} characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
    {
        return Err("a slot name has only ASCII letters, digits and . _ - @".into());
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

    fn encode(&self) -> Vec<u8> {
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
    fn decode(bytes: &[u8]) -> Result<HeaderV2, Error> {
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
            return Err(Error::corrupted(format!(
                "header: the passphrase slots together ask for {total_work} KiB-passes of Argon2id (at most {MAX_TOTAL_WORK})"
            )));
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

// ---- Either version ---------------------------------------------------------------------------

/// A parsed header of either version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Header {
    V1(HeaderV1),
    V2(HeaderV2),
}

impl Header {
    /// Parses a header. Checks run in the order FORMAT.md §Header gives: magic, version, then
    /// that version's length, checksum, layout and KDF caps — all before any key is derived.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Header, Error> {
        if bytes.len() < OFF_STORE_ID || bytes[..OFF_VERSION] != MAGIC {
            return Err(Error::corrupted("header: bad magic"));
        }
        match u16::from_le_bytes([bytes[OFF_VERSION], bytes[OFF_VERSION + 1]]) {
            FORMAT_V1 => HeaderV1::decode(bytes).map(Header::V1),
            FORMAT_V2 => HeaderV2::decode(bytes).map(Header::V2),
            found => Err(Error::UnsupportedVersion {
                found,
                supported: FORMAT_VERSION,
            }),
        }
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        match self {
            Header::V1(h) => h.encode(),
            Header::V2(h) => h.encode(),
        }
    }

    pub(crate) fn version(&self) -> u16 {
        match self {
            Header::V1(_) => FORMAT_V1,
            Header::V2(_) => FORMAT_V2,
        }
    }

    pub(crate) fn store_id(&self) -> &StoreId {
        match self {
            Header::V1(h) => &h.store_id,
            Header::V2(h) => &h.store_id,
        }
    }

    pub(crate) fn created_unix(&self) -> u64 {
        match self {
            Header::V1(h) => h.created_unix,
            Header::V2(h) => h.created_unix,
        }
    }
}

fn verify_checksum(bytes: &[u8]) -> Result<(), Error> {
    let (body, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if crypto::checksum(body) != sum {
        return Err(Error::corrupted("header: checksum mismatch"));
    }
    Ok(())
}

/// `memory_kib ‖ iterations ‖ parallelism`, 12 bytes.
fn encode_kdf(kdf: &KdfParams) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..4].copy_from_slice(&kdf.memory_kib.to_le_bytes());
    out[4..8].copy_from_slice(&kdf.iterations.to_le_bytes());
    out[8..].copy_from_slice(&kdf.parallelism.to_le_bytes());
    out
}

/// The algorithm byte at `at` and the 12 parameter bytes after it, checked against Argon2's
/// minimums and the caps (FORMAT.md §Keys) before any derivation.
fn decode_kdf(bytes: &[u8], at: usize) -> Result<KdfParams, Error> {
    if bytes[at] != KDF_ARGON2ID_13 {
        return Err(Error::corrupted(format!(
            "header: unknown KDF algorithm {}",
            bytes[at]
        )));
    }
    let kdf = KdfParams {
        memory_kib: read_u32(bytes, at + 1),
        iterations: read_u32(bytes, at + 5),
        parallelism: read_u32(bytes, at + 9),
    };
    kdf.validate()?;
    Ok(kdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_v1() -> HeaderV1 {
        HeaderV1 {
            store_id: [7; 16],
            created_unix: 1_764_000_000,
            kdf: KdfParams::insecure_for_tests(),
            salt: [3; SALT_LEN],
            wrapped_master_key: [9; WRAP_LEN],
        }
    }

    fn sample_v2() -> HeaderV2 {
        let slot = |name: &str, params| Slot {
            name: name.into(),
            created_unix: 1_764_000_001,
            params,
            sealed_secret: [1; WRAP_LEN],
            ephemeral: [2; 32],
            wrapped_master: [4; WRAP_LEN],
            sealed_public: [5; WRAP_LEN],
        };
        HeaderV2 {
            store_id: [7; 16],
            created_unix: 1_764_000_000,
            slots: vec![
                slot(
                    "passphrase",
                    SlotParams::Passphrase {
                        kdf: KdfParams::insecure_for_tests(),
                        salt: [3; SALT_LEN],
                    },
                ),
                slot(
                    "worker-1",
                    SlotParams::KeyFile {
                        salt: [6; SALT_LEN],
                    },
                ),
            ],
        }
    }

    #[test]
    fn headers_of_both_versions_round_trip() {
        for h in [Header::V1(sample_v1()), Header::V2(sample_v2())] {
            assert_eq!(Header::decode(&h.encode()).unwrap(), h);
        }
        assert_eq!(Header::V1(sample_v1()).encode().len(), V1_LEN);
    }

    #[test]
    fn a_header_with_any_flipped_byte_is_rejected() {
        for bytes in [
            Header::V1(sample_v1()).encode(),
            Header::V2(sample_v2()).encode(),
        ] {
            for i in 0..bytes.len() {
                let mut damaged = bytes.clone();
                damaged[i] ^= 0x01;
                assert!(Header::decode(&damaged).is_err(), "byte {i}");
            }
        }
    }

    #[test]
    fn a_truncated_or_extended_header_is_rejected() {
        let bytes = Header::V2(sample_v2()).encode();
        for len in 0..bytes.len() {
            assert!(Header::decode(&bytes[..len]).is_err(), "{len}");
        }
        let mut longer = bytes[..bytes.len() - 32].to_vec();
        longer.push(0);
        let sum = crypto::checksum(&longer);
        longer.extend_from_slice(&sum);
        assert!(matches!(
            Header::decode(&longer),
            Err(Error::Corrupted { .. })
        ));
    }

    #[test]
    fn a_header_of_a_future_version_is_reported_as_unsupported() {
        let mut bytes = Header::V2(sample_v2()).encode();
        bytes[OFF_VERSION] = 3;
        assert!(matches!(
            Header::decode(&bytes),
            Err(Error::UnsupportedVersion {
                found: 3,
                supported: 2
            })
        ));
    }

    fn with_checksum(mut h: Vec<u8>) -> Vec<u8> {
        let n = h.len() - CHECKSUM_LEN;
        let sum = crypto::checksum(&h[..n]);
        h[n..].copy_from_slice(&sum);
        h
    }

    #[test]
    fn a_header_asking_for_huge_kdf_cost_is_refused_before_derivation() {
        let mut v1 = sample_v1();
        v1.kdf = KdfParams {
            memory_kib: u32::MAX,
            iterations: u32::MAX,
            parallelism: 1,
        };
        assert!(matches!(
            Header::decode(&Header::V1(v1).encode()),
            Err(Error::KdfCostTooHigh { .. })
        ));
        let mut v2 = sample_v2();
        v2.slots[0].params = SlotParams::Passphrase {
            kdf: KdfParams {
                memory_kib: u32::MAX,
                iterations: 1,
                parallelism: 1,
            },
            salt: [0; SALT_LEN],
        };
        assert!(matches!(
            Header::decode(&with_checksum(Header::V2(v2).encode())),
            Err(Error::KdfCostTooHigh { .. })
        ));
    }

    #[test]
    fn passphrase_slots_together_may_not_ask_for_more_than_four_times_the_cap() {
        let at_cap = KdfParams {
            memory_kib: KdfParams::MAX_MEMORY_KIB,
            iterations: 4,
            parallelism: 4,
        };
        let mut v2 = sample_v2();
        let template = v2.slots[0].clone();
        v2.slots.clear();
        for i in 0..5 {
            let mut slot = template.clone();
            slot.name = format!("p{i}");
            slot.params = SlotParams::Passphrase {
                kdf: at_cap,
                salt: [0; SALT_LEN],
            };
            v2.slots.push(slot);
        }
        assert!(matches!(
            Header::decode(&Header::V2(v2.clone()).encode()),
            Err(Error::Corrupted { .. })
        ));
        v2.slots.pop();
        assert!(Header::decode(&Header::V2(v2).encode()).is_ok());
    }

    #[test]
    fn slot_counts_names_and_kinds_are_checked() {
        let mut none = sample_v2();
        none.slots.clear();
        let mut twins = sample_v2();
        twins.slots[1].name = "passphrase".into();
        let mut too_many = sample_v2();
        for i in 0..MAX_SLOTS {
            let mut slot = too_many.slots[1].clone();
            slot.name = format!("k{i}");
            too_many.slots.push(slot);
        }
        for bad in [none, twins, too_many] {
            assert!(matches!(
                Header::decode(&Header::V2(bad).encode()),
                Err(Error::Corrupted { .. })
            ));
        }
        let bytes = Header::V2(sample_v2()).encode();
        let mut unknown_kind = bytes.clone();
        unknown_kind[V2_PREFIX_LEN + 1] = 9;
        let mut bad_name = bytes;
        bad_name[V2_PREFIX_LEN + 3] = b' ';
        for bad in [unknown_kind, bad_name] {
            assert!(matches!(
                Header::decode(&with_checksum(bad)),
                Err(Error::Corrupted { .. })
            ));
        }
    }

    #[test]
    fn the_largest_header_is_5107_bytes_as_format_md_says() {
        let mut v2 = sample_v2();
        let template = v2.slots[0].clone();
        v2.slots = (0..MAX_SLOTS)
            .map(|i| Slot {
                name: format!("{i:0>64}"),
                ..template.clone()
            })
            .collect();
        let bytes = Header::V2(v2).encode();
        assert_eq!(bytes.len(), 5107);
        assert!(Header::decode(&bytes).is_ok());
    }

    #[test]
    fn slot_names_are_short_plain_ascii() {
        for ok in ["passphrase", "worker-1", "ops@example.com", "a.b_c"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        let long = "x".repeat(MAX_NAME_LEN + 1);
        for bad in ["", "two words", "tab\t", "é", long.as_str()] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
