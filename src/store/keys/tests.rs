//! The key work's unit tests: slots tried in trial order, forged and planted slots refused,
//! slots bound to their name and vault, the format-1 upgrade. Apart from the code they test
//! because they are as long as it is.

use super::change::{add_slot, to_wrap, wrap_v1};
use super::*;
use crate::credential::Credential;
use crate::engines::HeaderEntry;
use crate::error::Error;
use crate::format::HeaderV1;
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
    let slot = prepare_slot("forged", &forged_key, KdfParams::default(), true, false, 1).unwrap();
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
