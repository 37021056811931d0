//! What a reader written from docs/FORMAT.md alone had to guess or find out by experiment (issue
//! 24), each settled in the spec and pinned here through the second reader of `spec_reader.rs`:
//! the descriptor's end, what binds the set of slots, the state's layout, the bytes a version-1
//! wrap authenticates ("bytes 0..63"), the record layout version in the associated data, and
//! padding past the minimum.

use std::path::PathBuf;

use tokenvault::{Credential, Error, OpenOptions, Token};

use crate::spec_reader::{
    aes_open, aes_seal, argon2id, blake2b_mac256, checksum, key_file_kek, read_header_and_record,
    read_state, record_aad, slots, u32_at, unlock_slot, write_header_and_record,
};

const PASSPHRASE: &str = "first passphrase";

/// 32 distinct bytes, most of them not text: a key file that looks random.
fn key_file() -> [u8; 32] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(0x91))
}

fn options() -> OpenOptions {
    OpenOptions::insecure_for_tests()
}

/// A vault with the slots `passphrase` ([`PASSPHRASE`], Argon2id 8 KiB) and `ops` ([`key_file`]),
/// holding `ann@zylker.com` as token 1.
fn two_slot_vault() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.vault");
    let vault = options().create(&path, PASSPHRASE).unwrap();
    let key = Credential::key_bytes(&key_file()).unwrap();
    vault.add_slot(Some("ops"), key, None).unwrap();
    let mut token = Token::new();
    token.set_field("user_name", Some("ann@zylker.com".into()));
    token.set_field("refresh_token", Some("1000.r.ann".into()));
    vault.save_token(&mut token).unwrap();
    (dir, path)
}

fn key() -> Credential {
    Credential::key_bytes(&key_file()).unwrap()
}

#[test]
fn a_slot_descriptor_ends_with_its_salt_for_every_kind() {
    let (_dir, path) = two_slot_vault();
    let (header, _) = read_header_and_record(&path, 1);
    let slots = slots(&header);
    let passphrase_kek = argon2id(
        PASSPHRASE.as_bytes(),
        &header[slots[0].salt.clone()],
        slots[0].kdf.unwrap(),
    );
    let key_file_kek = key_file_kek(&key_file(), &header, &slots[1]);
    for (slot, kek) in [(&slots[0], passphrase_kek), (&slots[1], key_file_kek)] {
        assert_eq!(slot.descriptor.end, slot.salt.end, "D ends with the salt");
        assert!(
            unlock_slot(&header, slot, &kek).is_some(),
            "kind {}",
            slot.kind
        );
        // D read as ending before the salt: the sealed secret does not open.
        let without_salt = [
            &b"tokenvault/v2/slot-secret"[..],
            &header[..34],
            &header[slot.descriptor.start..slot.salt.start],
        ]
        .concat();
        let sealed = &header[slot.sealed_secret.clone()];
        assert!(aes_open(&kek, &without_salt, sealed).is_none());
        // Nor with byte 34 (`n`) in the prefix: `P` is bytes 0..34, offsets 0 to 33.
        let with_n = [
            &b"tokenvault/v2/slot-secret"[..],
            &header[..=34],
            &header[slot.descriptor.clone()],
        ]
        .concat();
        assert!(aes_open(&kek, &with_n, sealed).is_none());
    }
}

/// §State, the table whole: generation (offset 0), seal count (8), then at offset 16 the MAC
/// over the label, every header byte and the state's bytes 0..16.
#[test]
fn the_state_is_two_counters_and_at_offset_16_a_mac_over_the_header_and_them() {
    let (_dir, path) = two_slot_vault();
    let (header, _) = read_header_and_record(&path, 1);
    let state = read_state(&path);
    assert_eq!(state.len(), 48);
    // Created (1), a slot added (2), a token saved (3); one record sealed.
    assert_eq!(u64::from_le_bytes(state[0..8].try_into().unwrap()), 3);
    assert_eq!(u64::from_le_bytes(state[8..16].try_into().unwrap()), 1);
    let slot = slots(&header).remove(1);
    let master = unlock_slot(&header, &slot, &key_file_kek(&key_file(), &header, &slot)).unwrap();
    let state_key = blake2b_mac256(&master, &[b"tokenvault/v1/state-mac"]);
    let mac = blake2b_mac256(&state_key, &[b"tokenvault/state", &header, &state[0..16]]);
    assert_eq!(&state[16..48], &mac[..]);
}

#[test]
fn a_dropped_slot_leaves_the_others_opening_and_only_the_state_mac_sees_it() {
    let (_dir, path) = two_slot_vault();
    let (header, _) = read_header_and_record(&path, 1);
    let key_slot = slots(&header).remove(1);
    // The header without its passphrase slot: `n` = 1, the key-file slot, a correct checksum.
    let mut edited = header[..34].to_vec();
    edited.push(1);
    edited.extend_from_slice(&header[key_slot.bytes.clone()]);
    let sum = checksum(&edited);
    edited.extend_from_slice(&sum);
    // Nothing in the kept slot names `n` or the other slots: by the spec, it still opens.
    let kept = slots(&edited).remove(0);
    let kek = key_file_kek(&key_file(), &edited, &kept);
    assert!(unlock_slot(&edited, &kept, &kek).is_some());
    // Only the state MAC, over the whole header, tells this header from the vault's.
    write_header_and_record(&path, &edited, None);
    let refused = options().open(&path, key()).map(drop);
    assert!(
        matches!(&refused, Err(Error::Corrupted { what }) if what.contains("state")),
        "{refused:?}"
    );
    write_header_and_record(&path, &header, None);
    assert!(
        options().open(&path, key()).is_ok(),
        "the state was never changed"
    );
}

#[test]
fn a_format_2_record_is_sealed_with_layout_version_1_and_longer_zero_padding_is_read() {
    let (_dir, path) = two_slot_vault();
    let (header, record) = read_header_and_record(&path, 1);
    let record = record.unwrap();
    let slot = slots(&header).remove(1);
    let master = unlock_slot(&header, &slot, &key_file_kek(&key_file(), &header, &slot)).unwrap();
    let record_key = blake2b_mac256(&master, &[b"tokenvault/v1/record"]);
    let store_id = &header[10..26];
    assert_eq!(record[0], 1, "envelope version");
    assert!(
        aes_open(&record_key, &record_aad(2, store_id, 1), &record[1..]).is_none(),
        "the AD's u16 is not the header's format version (2)"
    );
    let plaintext = aes_open(&record_key, &record_aad(1, store_id, 1), &record[1..])
        .expect("sealed with record layout version 1");
    assert_eq!(plaintext.len(), 64, "the fewest zeros: one bucket");

    // Re-sealed with 128 more zero bytes, as another writer may: a reader accepts it.
    let reseal = |plaintext: &[u8]| {
        let sealed = aes_seal(&record_key, [9; 12], &record_aad(1, store_id, 1), plaintext);
        [&[1u8][..], &sealed].concat()
    };
    let longer = [&plaintext[..], &[0; 128]].concat();
    write_header_and_record(&path, &header, Some((1, &reseal(&longer))));
    let vault = options().open(&path, key()).unwrap();
    let tokens = vault.get_tokens().unwrap();
    assert_eq!(tokens[0].user_name.as_deref(), Some("ann@zylker.com"));
    drop(vault);
    // Padding must be zero, however long.
    let mut dirty = longer;
    *dirty.last_mut().unwrap() = 1;
    write_header_and_record(&path, &header, Some((1, &reseal(&dirty))));
    let vault = options().open(&path, key()).unwrap();
    assert!(matches!(vault.get_tokens(), Err(Error::Corrupted { .. })));
}

#[test]
fn a_format_1_vault_opens_by_the_spec_with_bytes_0_to_63_as_the_wrap_ad() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.vault");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/v1/two-tokens.vault"
    );
    std::fs::copy(fixture, &path).unwrap();
    let (header, record) = read_header_and_record(&path, 1);
    assert_eq!(header.len(), 155);
    assert_eq!(u16::from_le_bytes([header[8], header[9]]), 1);
    assert_eq!(checksum(&header[0..123]), header[123..155], "bytes 0..123");
    assert_eq!(header[34], 1, "Argon2id v0x13");
    let kdf = (
        u32_at(&header, 35),
        u32_at(&header, 39),
        u32_at(&header, 43),
    );
    let kek = argon2id(b"fixture passphrase v1", &header[47..63], kdf);
    let wrapped = &header[63..123];
    // "bytes 0..63": offsets 0 to 62, the 63 bytes before the wrap nonce — not 64.
    assert!(aes_open(&kek, &header[0..=63], wrapped).is_none());
    let master: [u8; 32] = aes_open(&kek, &header[0..63], wrapped)
        .expect("the master key opens with bytes 0..63 as AD")
        .try_into()
        .unwrap();
    let record_key = blake2b_mac256(&master, &[b"tokenvault/v1/record"]);
    let record = record.unwrap();
    let plaintext = aes_open(
        &record_key,
        &record_aad(1, &header[10..26], 1),
        &record[1..],
    )
    .expect("a format-1 record: record layout version 1 too");
    let len = u32::from_le_bytes(plaintext[..4].try_into().unwrap()) as usize;
    let payload = &plaintext[4..4 + len];
    assert_eq!(&payload[..3], &[0, 1, 15], "seq 0, user_name of 15 bytes");
    assert_eq!(&payload[3..18], b"ann@example.com");
}
