//! A second reader, written from docs/FORMAT.md with nothing from tokenvault but the files it
//! writes: the primitives the spec names (BLAKE2b-MAC, AES-256-GCM, Argon2id, X25519), the walk
//! over a version-2 header's slots, and the storage entries read and written with redb itself.
//! The tests in `spec.rs` and `spec_gaps.rs` follow the spec through these.

use std::ops::Range;
use std::path::Path;

use redb::{ReadableDatabase, TableDefinition};

pub const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenvault_header");
pub const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");

/// BLAKE2b-MAC-256 (§Keys) of the concatenated `parts`.
pub fn blake2b_mac256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use blake2::digest::Mac;
    let mut mac = <blake2::Blake2bMac<blake2::digest::consts::U32> as blake2::digest::KeyInit>::new_from_slice(key).unwrap();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Unkeyed BLAKE2b-256: the header checksum.
pub fn checksum(bytes: &[u8]) -> [u8; 32] {
    use blake2::Digest;
    blake2::Blake2b256::digest(bytes).into()
}

/// Opens `nonce (12) ‖ AES-256-GCM ciphertext ‖ tag`; `None` when the tag does not verify.
pub fn aes_open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let (nonce, msg) = sealed.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().unwrap();
    cipher.decrypt(&nonce.into(), Payload { msg, aad }).ok()
}

/// `nonce ‖ AES-256-GCM(key, nonce, plaintext, aad)`.
pub fn aes_seal(key: &[u8; 32], nonce: [u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let sealed = cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap();
    [&nonce[..], &sealed].concat()
}

/// Argon2id v0x13 with a 32-byte output, no secret, no associated data (§Keys).
pub fn argon2id(passphrase: &[u8], salt: &[u8], (m, t, p): (u32, u32, u32)) -> [u8; 32] {
    let params = argon2::Params::new(m, t, p, Some(32)).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(passphrase, salt, &mut out)
        .unwrap();
    out
}

pub fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// One slot of a version-2 header, as §Key slots lays it out; ranges index the header.
pub struct SpecSlot {
    pub kind: u8,
    /// The whole slot.
    pub bytes: Range<usize>,
    /// `D`: from the kind to the end of the salt.
    pub descriptor: Range<usize>,
    pub salt: Range<usize>,
    /// A passphrase slot's `(memory_kib, iterations, parallelism)`.
    pub kdf: Option<(u32, u32, u32)>,
    pub sealed_secret: Range<usize>,
    pub ephemeral: Range<usize>,
    pub wrapped_master: Range<usize>,
    pub sealed_public: Range<usize>,
}

/// The slots of a version-2 header, in header order.
pub fn slots(header: &[u8]) -> Vec<SpecSlot> {
    assert_eq!(&header[..8], b"TKNVAULT");
    assert_eq!(u16::from_le_bytes([header[8], header[9]]), 2);
    let mut at = 35;
    let mut out = Vec::new();
    for _ in 0..header[34] {
        let start = at;
        let kind = header[at];
        at += 2 + usize::from(header[at + 1]) + 8;
        let kdf = (kind == 1).then(|| {
            assert_eq!(header[at], 1, "Argon2id v0x13");
            let kdf = (
                u32_at(header, at + 1),
                u32_at(header, at + 5),
                u32_at(header, at + 9),
            );
            at += 13;
            kdf
        });
        let salt = at..at + 16;
        at += 16;
        let descriptor = start..at;
        let range = |at: &mut usize, len: usize| {
            *at += len;
            *at - len..*at
        };
        out.push(SpecSlot {
            kind,
            descriptor,
            salt,
            kdf,
            sealed_secret: range(&mut at, 60),
            ephemeral: range(&mut at, 32),
            wrapped_master: range(&mut at, 60),
            sealed_public: range(&mut at, 60),
            bytes: start..at,
        });
    }
    assert_eq!(at, header.len() - 32, "nothing follows the last slot");
    out
}

/// The associated data of one of `slot`'s sealed values: `label ‖ P ‖ D`.
pub fn slot_aad(header: &[u8], slot: &SpecSlot, label: &[u8]) -> Vec<u8> {
    [label, &header[..34], &header[slot.descriptor.clone()]].concat()
}

/// §Key slots, *Unlocking*, steps 2 to 4 for one slot whose KEK is `kek`: the master key, or
/// `None` when the KEK does not open the slot's secret.
pub fn unlock_slot(header: &[u8], slot: &SpecSlot, kek: &[u8; 32]) -> Option<[u8; 32]> {
    let aad = |label: &[u8]| slot_aad(header, slot, label);
    let secret: [u8; 32] = aes_open(
        kek,
        &aad(b"tokenvault/v2/slot-secret"),
        &header[slot.sealed_secret.clone()],
    )?
    .try_into()
    .unwrap();
    let ephemeral: [u8; 32] = header[slot.ephemeral.clone()].try_into().unwrap();
    let public = x25519_dalek::x25519(secret, x25519_dalek::X25519_BASEPOINT_BYTES);
    let shared = x25519_dalek::x25519(secret, ephemeral);
    let wrap = blake2b_mac256(&shared, &[b"tokenvault/v2/wrap", &ephemeral, &public]);
    let master: [u8; 32] = aes_open(
        &wrap,
        &aad(b"tokenvault/v2/slot-master"),
        &header[slot.wrapped_master.clone()],
    )
    .expect("step 3: the master key opens")
    .try_into()
    .unwrap();
    let k_pub = blake2b_mac256(&master, &[b"tokenvault/v2/slot-public"]);
    let sealed = aes_open(
        &k_pub,
        &aad(b"tokenvault/v2/slot-public"),
        &header[slot.sealed_public.clone()],
    );
    assert_eq!(sealed.as_deref(), Some(&public[..]), "step 4");
    Some(master)
}

/// The KEK of a key-file slot.
pub fn key_file_kek(key_file: &[u8; 32], header: &[u8], slot: &SpecSlot) -> [u8; 32] {
    blake2b_mac256(
        key_file,
        &[b"tokenvault/v2/key-file", &header[slot.salt.clone()]],
    )
}

/// The associated data of record `id` (§Records) with record layout version `layout`.
pub fn record_aad(layout: u16, store_id: &[u8], id: u64) -> Vec<u8> {
    [
        &b"tokenvault/record"[..],
        &layout.to_le_bytes(),
        store_id,
        &id.to_le_bytes(),
    ]
    .concat()
}

/// The header, and the sealed record `id` if it is there, read with redb from a closed vault.
pub fn read_header_and_record(path: &Path, id: u64) -> (Vec<u8>, Option<Vec<u8>>) {
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_read().unwrap();
    let header = txn.open_table(HEADER).unwrap();
    let header = header.get("header").unwrap().unwrap().value().to_vec();
    let records = txn.open_table(RECORDS).unwrap();
    let record = records.get(id).unwrap().map(|r| r.value().to_vec());
    (header, record)
}

/// Writes the header (and, if given, the sealed record `id`) of a closed vault with redb.
pub fn write_header_and_record(path: &Path, header: &[u8], record: Option<(u64, &[u8])>) {
    let db = redb::Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    txn.open_table(HEADER)
        .unwrap()
        .insert("header", header)
        .unwrap();
    if let Some((id, sealed)) = record {
        txn.open_table(RECORDS).unwrap().insert(id, sealed).unwrap();
    }
    txn.commit().unwrap();
}

/// The state entry of a closed vault (§State).
pub fn read_state(path: &Path) -> Vec<u8> {
    let db = redb::Database::open(path).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(HEADER).unwrap();
    table.get("state").unwrap().unwrap().value().to_vec()
}
