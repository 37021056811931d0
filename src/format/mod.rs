//! The byte layouts of the vault file (docs/FORMAT.md is the prose spec; section names are cited
//! where each rule is enforced). All integers are little-endian.
//!
//! This module only encodes and decodes; it never touches redb or decides anything.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::crypto::{self, NONCE_LEN, TAG_LEN};
use crate::error::Error;
use crate::token::{Secret, Token};

mod header;

pub(crate) use header::{
    FORMAT_VERSION, Header, HeaderV1, HeaderV2, MAX_SLOTS, MAX_TOTAL_WORK, Slot, SlotParams,
    StoreId, WRAP_LEN, check_name as check_slot_name, total_kdf_work,
};

/// The version field inside every record's associated data (FORMAT.md §Records): the layout of
/// records, which format version 2 did not change, so it is 1 in both and an upgrade re-seals
/// nothing.
pub(crate) const RECORD_AD_VERSION: u16 = 1;

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(read_array(bytes, at))
}

/// Copies `N` bytes at `at`. Callers have checked the length.
fn read_array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

/// Length of the state entry: generation, seal count, MAC.
pub(crate) const STATE_LEN: usize = 8 + 8 + 32;

/// The mutable part of the header, authenticated with the header-MAC key (FORMAT.md §State).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct State {
    /// Incremented by every committed write transaction.
    pub(crate) generation: u64,
    /// Records sealed under the current data key (see `crypto::SEAL_BUDGET`).
    pub(crate) seal_count: u64,
}

impl State {
    /// Calls `f` with the parts the state MAC covers, in order.
    fn with_mac_input<R>(&self, header: &[u8], f: impl FnOnce(&[&[u8]]) -> R) -> R {
        let generation = self.generation.to_le_bytes();
        let seal_count = self.seal_count.to_le_bytes();
        f(&[b"tokenvault/state", header, &generation, &seal_count])
    }

    fn mac(&self, mac_key: &crypto::Key, header: &[u8]) -> [u8; 32] {
        self.with_mac_input(header, |parts| crypto::mac256(mac_key, parts))
    }

    /// Whether `tag` is this state's MAC, compared in constant time.
    fn mac_matches(&self, mac_key: &crypto::Key, header: &[u8], tag: &[u8]) -> bool {
        self.with_mac_input(header, |parts| crypto::mac256_matches(mac_key, parts, tag))
    }

    pub(crate) fn encode(&self, mac_key: &crypto::Key, header: &[u8]) -> [u8; STATE_LEN] {
        let mut out = [0u8; STATE_LEN];
        out[..8].copy_from_slice(&self.generation.to_le_bytes());
        out[8..16].copy_from_slice(&self.seal_count.to_le_bytes());
        out[16..].copy_from_slice(&self.mac(mac_key, header));
        out
    }

    /// Parses the counters without checking the MAC (for `info` without a passphrase).
    pub(crate) fn decode_unverified(bytes: &[u8]) -> Result<State, Error> {
        if bytes.len() != STATE_LEN {
            return Err(Error::corrupted(format!(
                "state: {} bytes, expected {STATE_LEN}",
                bytes.len()
            )));
        }
        Ok(State {
            generation: u64::from_le_bytes(read_array(bytes, 0)),
            seal_count: u64::from_le_bytes(read_array(bytes, 8)),
        })
    }

    /// Parses and authenticates the counters, bound to the static header they belong to.
    pub(crate) fn decode(
        bytes: &[u8],
        mac_key: &crypto::Key,
        header: &[u8],
    ) -> Result<State, Error> {
        let state = State::decode_unverified(bytes)?;
        if !state.mac_matches(mac_key, header, &bytes[16..]) {
            return Err(Error::corrupted("header state failed authentication"));
        }
        Ok(state)
    }
}

/// The envelope version byte at the start of every sealed record.
pub(crate) const RECORD_VERSION: u8 = 1;
/// Padding granularity of a record's plaintext: exact secret lengths are hidden within this.
pub(crate) const PAD_TO: usize = 64;
/// The largest record plaintext accepted (before sealing) or decoded (after opening).
pub(crate) const MAX_PLAINTEXT: usize = 64 * 1024;
/// Largest sealed record: envelope version, nonce, padded plaintext, tag.
pub(crate) const MAX_SEALED: usize = 1 + NONCE_LEN + MAX_PLAINTEXT + TAG_LEN;

/// The associated data of record `id` in store `store_id` (FORMAT.md §Records): moving a sealed
/// record to another id or into another vault makes it fail authentication.
pub(crate) fn record_aad(store_id: &StoreId, id: u64) -> [u8; 17 + 2 + 16 + 8] {
    let mut out = [0u8; 43];
    out[..17].copy_from_slice(b"tokenvault/record");
    out[17..19].copy_from_slice(&RECORD_AD_VERSION.to_le_bytes());
    out[19..35].copy_from_slice(store_id);
    out[35..].copy_from_slice(&id.to_le_bytes());
    out
}

/// A decoded record: the token (its id comes from the table key) and its insertion position.
#[derive(Debug)]
pub(crate) struct Record {
    /// Position in insertion order; the `order` table's key for this record.
    pub(crate) seq: u64,
    /// The stored token, id included.
    pub(crate) token: Token,
}

/// The serialized form of a record (bincode 2, standard config). Field order is part of the
/// format: FORMAT.md §Record payload.
#[derive(Serialize)]
struct PayloadRef<'a> {
    seq: u64,
    fields: [Option<&'a str>; 9],
}

#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct PayloadOwned {
    seq: u64,
    fields: [Option<String>; 9],
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_PLAINTEXT>()
}

/// Encodes `token` (normalized: no empty strings) at position `seq` into a padded plaintext.
pub(crate) fn encode_record(seq: u64, token: &Token) -> Result<Zeroizing<Vec<u8>>, Error> {
    let fields = [
        token.user_name.as_deref(),
        token.client_id.as_deref(),
        token.client_secret.as_ref().map(Secret::expose),
        token.refresh_token.as_ref().map(Secret::expose),
        token.access_token.as_ref().map(Secret::expose),
        token.grant_token.as_ref().map(Secret::expose),
        token.expiry_time.as_deref(),
        token.redirect_url.as_deref(),
        token.api_domain.as_deref(),
    ];
    // Reserve the worst case up front so the buffer never reallocates, which would leave an
    // unwiped copy of the secrets in freed memory.
    let bound = 4
        + 10
        + fields
            .iter()
            .map(|f| 1 + 10 + f.map_or(0, str::len))
            .sum::<usize>();
    let size = bound.div_ceil(PAD_TO) * PAD_TO;
    if bound > MAX_PLAINTEXT {
        return Err(Error::TokenTooLarge {
            size: bound,
            limit: MAX_PLAINTEXT,
        });
    }
    let mut buf = Zeroizing::new(vec![0u8; size]);
    let payload = PayloadRef { seq, fields };
    let written = bincode::serde::encode_into_slice(&payload, &mut buf[4..], bincode_config())
        .map_err(|e| Error::corrupted(format!("record encoding failed: {e}")))?;
    let len = u32::try_from(written).map_err(|_| Error::TokenTooLarge {
        size: written,
        limit: MAX_PLAINTEXT,
    })?;
    buf[..4].copy_from_slice(&len.to_le_bytes());
    // Shrink to the bucket of the real length (the tail is already zero).
    let padded = (4 + written).div_ceil(PAD_TO) * PAD_TO;
    buf.truncate(padded);
    Ok(buf)
}

/// Decodes a padded plaintext. Only ever called on authenticated plaintext.
pub(crate) fn decode_record(id: u64, plaintext: &[u8]) -> Result<Record, Error> {
    let bad = |what: &str| Error::corrupted(format!("record {id}: {what}"));
    if plaintext.len() < 4 || plaintext.len() % PAD_TO != 0 || plaintext.len() > MAX_PLAINTEXT {
        return Err(bad("bad padded length"));
    }
    let len = u32::from_le_bytes(read_array(plaintext, 0)) as usize;
    let body = plaintext
        .get(4..4usize.saturating_add(len))
        .ok_or_else(|| bad("payload length past the end"))?;
    if plaintext[4 + len..].iter().any(|&b| b != 0) {
        return Err(bad("non-zero padding"));
    }
    let (mut payload, used): (PayloadOwned, usize) =
        bincode::serde::decode_from_slice(body, bincode_config())
            .map_err(|_| bad("undecodable payload"))?;
    if used != body.len() {
        return Err(bad("trailing bytes in payload"));
    }
    let mut take = |i: usize| payload.fields[i].take().filter(|s| !s.is_empty());
    let token = Token {
        id: Some(id.to_string()),
        user_name: take(0),
        client_id: take(1),
        client_secret: take(2).map(Secret::new),
        refresh_token: take(3).map(Secret::new),
        access_token: take(4).map(Secret::new),
        grant_token: take(5).map(Secret::new),
        expiry_time: take(6),
        redirect_url: take(7),
        api_domain: take(8),
    };
    Ok(Record {
        seq: payload.seq,
        token,
    })
}

/// Seals a padded plaintext into a record envelope: `version ‖ nonce ‖ ciphertext ‖ tag`.
pub(crate) fn seal_record(
    key: &crypto::Key,
    store_id: &StoreId,
    id: u64,
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let sealed = crypto::seal(key, &record_aad(store_id, id), plaintext)?;
    let mut out = Vec::with_capacity(1 + sealed.len());
    out.push(RECORD_VERSION);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens a record envelope and decodes it. Authentication comes first; nothing of the plaintext
/// is looked at before the tag verifies.
pub(crate) fn open_record(
    key: &crypto::Key,
    store_id: &StoreId,
    id: u64,
    envelope: &[u8],
) -> Result<Record, Error> {
    if envelope.len() > MAX_SEALED {
        return Err(Error::corrupted(format!("record {id}: oversized")));
    }
    match envelope.split_first() {
        Some((&RECORD_VERSION, sealed)) => {
            let plaintext = crypto::open(key, &record_aad(store_id, id), sealed)
                .map_err(|_| Error::corrupted(format!("record {id} failed authentication")))?;
            decode_record(id, &plaintext)
        }
        Some((&v, _)) => Err(Error::corrupted(format!(
            "record {id}: unknown envelope version {v}"
        ))),
        None => Err(Error::corrupted(format!("record {id}: empty"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_payload_round_trips_and_is_padded() {
        let t = Token {
            user_name: Some("ann@zylker.com".into()),
            access_token: Some(Secret::new("1000.at")),
            expiry_time: Some("1764340000000".into()),
            ..Token::default()
        };
        let plain = encode_record(42, &t).unwrap();
        assert_eq!(plain.len() % PAD_TO, 0);
        let r = decode_record(5, &plain).unwrap();
        assert_eq!(r.seq, 42);
        assert_eq!(
            r.token,
            Token {
                id: Some("5".into()),
                ..t
            }
        );
    }

    /// FORMAT.md §Records, byte by byte: bincode 2 `standard()` is a struct's fields in order,
    /// no names, no array length; an `Option` is `0x00` or `0x01 ‖ value`; a string is
    /// `varint(length) ‖ UTF-8`; a varint is one byte below 251, else `0xFB ‖ u16`, `0xFC ‖ u32`
    /// or `0xFD ‖ u64`, little-endian.
    #[test]
    fn a_record_payload_is_bincode_standard_varints_byte_for_byte() {
        let long = "c".repeat(251);
        let t = Token {
            user_name: Some("ann".into()),
            client_id: Some(long.clone()),
            ..Token::default()
        };
        for (seq, varint) in [
            (0u64, vec![0x00]),
            (250, vec![0xFA]),
            (251, vec![0xFB, 0xFB, 0x00]),
            (300, vec![0xFB, 0x2C, 0x01]),
            (65_536, vec![0xFC, 0x00, 0x00, 0x01, 0x00]),
            (1 << 32, vec![0xFD, 0, 0, 0, 0, 1, 0, 0, 0]),
        ] {
            let mut payload = varint;
            payload.extend_from_slice(&[0x01, 0x03]);
            payload.extend_from_slice(b"ann");
            payload.extend_from_slice(&[0x01, 0xFB, 0xFB, 0x00]);
            payload.extend_from_slice(long.as_bytes());
            payload.extend_from_slice(&[0x00; 7]);
            let plain = encode_record(seq, &t).unwrap();
            let len = u32::from_le_bytes(plain[..4].try_into().unwrap()) as usize;
            assert_eq!(len, payload.len(), "seq {seq}");
            assert_eq!(&plain[4..4 + len], &payload[..], "seq {seq}");
            assert!(plain[4 + len..].iter().all(|&b| b == 0));
            assert_eq!(plain.len(), (4 + len).div_ceil(PAD_TO) * PAD_TO);
        }
    }

    #[test]
    fn an_exact_multiple_of_64_gets_no_padding_and_a_reader_accepts_more_zeros() {
        // 4 (len) + 1 (seq 0) + 2 + 49 (user name) + 8 × 0x00 (the other fields) = 64.
        let t = Token {
            user_name: Some("u".repeat(49)),
            ..Token::default()
        };
        let plain = encode_record(0, &t).unwrap();
        assert_eq!(plain.len(), 64);
        assert_eq!(u32::from_le_bytes(plain[..4].try_into().unwrap()), 60);
        // One byte more takes the next bucket.
        let t2 = Token {
            user_name: Some("u".repeat(50)),
            ..Token::default()
        };
        assert_eq!(encode_record(0, &t2).unwrap().len(), 128);
        // A reader does not insist on the fewest zeros: any zero padding to a multiple of 64.
        let mut padded = plain.to_vec();
        padded.extend_from_slice(&[0; 64]);
        assert_eq!(
            decode_record(1, &padded).unwrap().token.user_name,
            t.user_name
        );
        // A varint that is not the shortest decodes too (bincode 2.0.1 does not refuse it).
        let mut wide = vec![0u8; 64];
        let body = [0xFB, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        wide[..4].copy_from_slice(&(body.len() as u32).to_le_bytes());
        wide[4..4 + body.len()].copy_from_slice(&body);
        assert_eq!(decode_record(1, &wide).unwrap().seq, 5);
    }

    #[test]
    fn secrets_of_similar_length_give_the_same_record_size() {
        let a = Token {
            access_token: Some(Secret::new("x".repeat(60))),
            ..Token::default()
        };
        let b = Token {
            access_token: Some(Secret::new("x".repeat(70))),
            ..Token::default()
        };
        assert_eq!(
            encode_record(1, &a).unwrap().len(),
            encode_record(1, &b).unwrap().len()
        );
    }

    #[test]
    fn oversized_token_is_refused_before_sealing() {
        let t = Token {
            access_token: Some(Secret::new("x".repeat(MAX_PLAINTEXT))),
            ..Token::default()
        };
        assert!(matches!(
            encode_record(1, &t),
            Err(Error::TokenTooLarge { .. })
        ));
    }
}
