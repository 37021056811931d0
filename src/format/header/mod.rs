//! The static header (FORMAT.md §Header): which vault this is, and the key slots that unlock it.
//!
//! Format version 1 has one passphrase and its wrapped master key in 155 fixed bytes
//! ([`HeaderV1`]); version 2 has one to [`MAX_SLOTS`] named key slots ([`HeaderV2`]). Both
//! begin with the magic and the version, so a reader knows which it holds before anything else.
//! This module parses and encodes; it derives no key and decides nothing (`store/keys/` does).
//!
//! Split by version: this file is what both share (the constants, [`Header`] over either
//! version, the checksum and the KDF parameter bytes); `v1.rs` is the fixed 155-byte layout;
//! `v2.rs` is the key slots and their encoding.

mod v1;
mod v2;

use crate::crypto::{self, KEY_LEN, KdfParams, NONCE_LEN, TAG_LEN};
use crate::error::Error;

use super::read_u32;

pub(crate) use v1::HeaderV1;
use v1::{OFF_STORE_ID, OFF_VERSION};
pub(crate) use v2::{
    HeaderV2, MAX_SLOTS, MAX_TOTAL_WORK, Slot, SlotParams, check_name, total_kdf_work,
};

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
    use super::v1::V1_LEN;
    use super::v2::{MAX_NAME_LEN, V2_PREFIX_LEN};
    use super::*;
    use crate::crypto::SALT_LEN;

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
        // Not damage: every slot is well formed and the checksum verifies. A refusal of its own,
        // as the per-slot caps are (exit 2 in the CLI, not 4).
        let refused = Header::decode(&Header::V2(v2.clone()).encode());
        assert!(
            matches!(
                refused,
                Err(Error::KdfTotalCostTooHigh { total, max })
                    if total == 5 * KdfParams::MAX_WORK && max == MAX_TOTAL_WORK
            ),
            "{refused:?}"
        );
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

    /// A passphrase slot named `name` asking for more than the per-slot cap.
    fn slot_over_the_cap(template: &Slot, name: &str) -> Slot {
        Slot {
            name: name.into(),
            params: SlotParams::Passphrase {
                kdf: KdfParams {
                    memory_kib: KdfParams::MAX_MEMORY_KIB,
                    iterations: 5,
                    parallelism: 1,
                },
                salt: [0; SALT_LEN],
            },
            ..template.clone()
        }
    }

    /// `bytes`'s body with `edit` applied, under a correct checksum.
    fn with_body(bytes: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut body = bytes[..bytes.len() - CHECKSUM_LEN].to_vec();
        edit(&mut body);
        body.extend([0; CHECKSUM_LEN]);
        with_checksum(body)
    }

    /// FORMAT.md §Header, version 2: the checks run in the order it lists and the first failure
    /// is the one reported — which decides between a typed refusal and *corrupted* when a header
    /// has more than one problem.
    #[test]
    fn slot_checks_run_in_the_documented_order() {
        let decoded = |bytes: &[u8]| Header::decode(bytes).map(drop);
        let first_slot = V2_PREFIX_LEN + 1;
        let bytes = Header::V2(sample_v2()).encode();
        // Within a slot the name is checked before the kind.
        let both = with_body(&bytes, |b| {
            b[first_slot] = 9;
            b[first_slot + 2] = b' ';
        });
        let e = decoded(&both).unwrap_err();
        assert!(e.to_string().contains("key slot 0 has a bad name"), "{e}");
        let kind_only = with_body(&bytes, |b| b[first_slot] = 9);
        let e = decoded(&kind_only).unwrap_err();
        assert!(e.to_string().contains("unknown kind 9"), "{e}");

        // A KDF refusal in a slot comes before anything wrong in a later slot...
        let mut v2 = sample_v2();
        v2.slots[0] = slot_over_the_cap(&v2.slots[0], "passphrase");
        let truncated = with_body(&Header::V2(v2.clone()).encode(), |b| {
            b.pop();
        });
        assert!(matches!(
            decoded(&truncated),
            Err(Error::KdfCostTooHigh { .. })
        ));
        // ... and before that slot's own name is compared with the earlier ones'.
        v2.slots[0] = sample_v2().slots[0].clone();
        v2.slots[1] = slot_over_the_cap(&v2.slots[1], "passphrase");
        assert!(matches!(
            decoded(&Header::V2(v2.clone()).encode()),
            Err(Error::KdfCostTooHigh { .. })
        ));
        // A malformed slot hides a KDF refusal in a later one.
        v2.slots[1].name = "other".into();
        let bad_first_name = with_body(&Header::V2(v2).encode(), |b| b[first_slot + 2] = b' ');
        assert!(matches!(
            decoded(&bad_first_name),
            Err(Error::Corrupted { .. })
        ));

        // The total is checked after every slot, before the bytes after the last one.
        let mut heavy = sample_v2();
        let template = heavy.slots[0].clone();
        heavy.slots = (0..5)
            .map(|i| Slot {
                name: format!("p{i}"),
                params: SlotParams::Passphrase {
                    kdf: KdfParams {
                        memory_kib: KdfParams::MAX_MEMORY_KIB,
                        iterations: 4,
                        parallelism: 1,
                    },
                    salt: [0; SALT_LEN],
                },
                ..template.clone()
            })
            .collect();
        let trailing = with_body(&Header::V2(heavy).encode(), |b| b.push(0));
        assert!(matches!(
            decoded(&trailing),
            Err(Error::KdfTotalCostTooHigh { .. })
        ));
        let trailing = with_body(&bytes, |b| b.push(0));
        assert!(matches!(decoded(&trailing), Err(Error::Corrupted { .. })));
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
