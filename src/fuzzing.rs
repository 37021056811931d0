//! What the fuzz targets must call inside the library (feature `fuzzing`; never in a front
//! end's build): the `record` and `header` targets, which reach the format's private parts, and
//! the seeds that need them. Everything else of the harness (the model of the rules, operation
//! sequences, file damage, the memory file, the `csv_import` target) is in
//! `crates/tokenvault-testkit`, on the public API. `tests/compat/fuzz_corpus.rs` replays every
//! committed corpus through both on stable Rust. Not part of the public API: nothing here is
//! stable.
//!
//! Each function panics only when a property fails (a crash for the fuzzer, a failure for the
//! replay test); any input the library refuses must come back as a typed [`Error`].

use crate::credential::Credential;
use crate::crypto::{self, KdfParams};
use crate::error::Error;
use crate::format::{self, Header, MAX_PLAINTEXT};
use crate::location::Location;
use crate::options::OpenOptions;
use crate::token::Token;

/// The passphrase the `header` target tries (no fuzzed header may open with it).
const PASSPHRASE: &str = "fuzz passphrase";

// ---- Target `record` -------------------------------------------------------------------------

/// Target `record`: `data` as a sealed record envelope, and as a decrypted record payload.
/// A typed error or a token, never a panic; a payload that decodes re-encodes, seals and opens
/// to the same token.
pub fn fuzz_record(data: &[u8]) {
    let key = crypto::Key::new([0x42; crypto::KEY_LEN]);
    let store_id = [0x17; 16];
    let id = 7;
    // The tag cannot be forged, so an envelope from the fuzzer never opens.
    if let Err(e) = format::open_record(&key, &store_id, id, data) {
        assert!(matches!(e, Error::Corrupted { .. }), "{e:?}");
    }
    match format::decode_record(id, data) {
        Ok(record) => {
            assert!(data.len() <= MAX_PLAINTEXT);
            assert_eq!(record.token.id.as_deref(), Some("7"));
            let stored = Token {
                id: None,
                ..record.token.clone()
            };
            let plain = match format::encode_record(record.seq, &stored) {
                Ok(plain) => plain,
                // Encoding reserves the worst case: a payload near the limit may not fit again.
                Err(Error::TokenTooLarge { .. }) => return,
                Err(e) => panic!("re-encoding a decoded record failed: {e:?}"),
            };
            let sealed = format::seal_record(&key, &store_id, id, &plain).expect("seal");
            let opened = format::open_record(&key, &store_id, id, &sealed).expect("open");
            assert_eq!(opened.seq, record.seq);
            assert_eq!(opened.token, record.token);
            assert!(format::open_record(&key, &store_id, id + 1, &sealed).is_err());
        }
        Err(e) => assert!(matches!(e, Error::Corrupted { .. }), "{e:?}"),
    }
}

// ---- Target `header` -------------------------------------------------------------------------

/// Argon2 cost (memory KiB × passes) under which the header target derives the key: derivation
/// at the caps takes seconds, which would stall the fuzzer, and the caps are checked as numbers.
const CHEAP_KDF_WORK: u64 = 256;

/// Target `header`: `data` as a header of either format version, as given and with its checksum
/// (the last 32 bytes) repaired, so the fuzzer reaches the checks behind it. A typed error, or a
/// header within every cap that encodes back to the same bytes; one whose passphrase slots are
/// cheap is unlocked with a passphrase and with a key file, which must fail (no input can forge a
/// wrapped key) with a typed error and without a panic.
pub fn fuzz_header(data: &[u8]) {
    check_header(data);
    if data.len() >= 42 {
        let mut repaired = data.to_vec();
        let body = repaired.len() - 32;
        let sum = crypto::checksum(&repaired[..body]);
        repaired[body..].copy_from_slice(&sum);
        check_header(&repaired);
    }
}

fn check_header(bytes: &[u8]) {
    let header = match Header::decode(bytes) {
        Ok(header) => header,
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::Corrupted { .. }
                        | Error::UnsupportedVersion { .. }
                        | Error::KdfCostTooHigh { .. }
                        | Error::KdfTotalCostTooHigh { .. }
                        | Error::InvalidKdfParams { .. }
                ),
                "{e:?}"
            );
            return;
        }
    };
    let kdfs: Vec<KdfParams> = match &header {
        Header::V1(v1) => vec![v1.kdf],
        Header::V2(v2) => {
            assert!((1..=format::MAX_SLOTS).contains(&v2.slots.len()));
            v2.slots.iter().filter_map(|s| s.kdf()).collect()
        }
    };
    let mut total = 0;
    for kdf in &kdfs {
        assert!(kdf.validate().is_ok(), "{kdf:?}");
        total += kdf.work();
    }
    assert!(total <= format::MAX_TOTAL_WORK);
    assert_eq!(header.encode(), bytes, "decode/encode is not canonical");
    if total <= CHEAP_KDF_WORK {
        for credential in [
            Credential::from(PASSPHRASE),
            Credential::key_bytes(&[0x5a; 32]).expect("32 bytes"),
            Credential::generate_recovery_key().expect("random bytes").0,
        ] {
            match crate::store::unlock_header(bytes, &credential) {
                Ok(()) => panic!("a fuzzed header unlocked"),
                Err(e) => assert!(
                    matches!(
                        e,
                        Error::WrongPassphrase
                            | Error::WrongKeyFile
                            | Error::WrongRecoveryKey
                            | Error::NoSlotOfKind { .. }
                            | Error::Corrupted { .. }
                    ),
                    "{e:?}"
                ),
            }
        }
    }
}

/// Seeds of the `header` target, headers of real vaults: format 1, and format 2 with a passphrase slot,
/// then also a key-file and a recovery-key slot, made with other credentials than the target
/// tries.
pub fn header_seeds() -> Vec<Vec<u8>> {
    let v1 = [
        KdfParams::insecure_for_tests(),
        KdfParams::default(),
        KdfParams {
            memory_kib: 16,
            iterations: 2,
            parallelism: 2,
        },
        KdfParams {
            memory_kib: KdfParams::MAX_MEMORY_KIB,
            iterations: KdfParams::MAX_ITERATIONS,
            parallelism: 1,
        },
    ]
    .into_iter()
    .map(|kdf| {
        Header::V1(format::HeaderV1 {
            store_id: [5; 16],
            created_unix: 1_764_340_000,
            kdf,
            salt: [9; 16],
            wrapped_master_key: [3; 60],
        })
        .encode()
    });
    let options = OpenOptions::insecure_for_tests();
    let v2 = (|| -> Result<Vec<Vec<u8>>, Error> {
        let vault = options.create(Location::memory(), "seed passphrase")?;
        let one = vault.header_bytes();
        vault.add_slot(
            None,
            Credential::key_bytes(&[7; 32]).expect("32 bytes"),
            None,
        )?;
        vault.add_slot(None, Credential::generate_recovery_key()?.0, None)?;
        Ok(vec![one, vault.header_bytes()])
    })()
    .expect("a memory vault with two slots");
    v1.chain(v2).collect()
}

/// Seeds of the `record` target: the record payloads of `tokens`, as a vault encodes them.
pub fn record_seeds(tokens: &[Token]) -> Vec<Vec<u8>> {
    tokens
        .iter()
        .enumerate()
        .map(|(seq, t)| {
            let t = Token {
                id: None,
                ..t.clone()
            };
            format::encode_record(seq as u64, &t)
                .expect("encode")
                .to_vec()
        })
        .collect()
}
