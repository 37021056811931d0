//! Vaults written in format 1 (`tests/fixtures/v1`, made by the last build that wrote it) open,
//! read and take writes as before, stay format 1 until a slot changes, and upgrade to format 2
//! with every token intact — as redb keeps files of its old releases to test against.

use std::path::PathBuf;

use tokenvault::{Credential, Error, OpenOptions, SlotKind, Token, Vault};

const PASSPHRASE: &str = "fixture passphrase v1";

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.vault");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/v1/two-tokens.vault"
        ),
        &path,
    )
    .unwrap();
    (dir, path)
}

fn options() -> OpenOptions {
    OpenOptions::insecure_for_tests()
}

/// The two tokens the fixture holds (tests/fixtures/v1/README.md).
fn expected() -> Vec<Token> {
    vec![
        crate::common::token(&[
            ("id", "1"),
            ("user_name", "ann@example.com"),
            ("client_id", "1000.CLIENT"),
            ("client_secret", "secret-ann"),
            ("refresh_token", "1000.refresh.ann"),
            ("access_token", "1000.access.ann"),
            ("expiry_time", "1700000000000"),
            ("redirect_url", "https://example.com/cb"),
            ("api_domain", "https://www.zohoapis.com"),
        ]),
        crate::common::token(&[
            ("id", "2"),
            ("user_name", "bob@example.com"),
            ("client_id", "1000.CLIENT"),
            ("client_secret", "secret-bob"),
            ("grant_token", "1000.grant.bob"),
        ]),
    ]
}

fn assert_reads_as_made(vault: &Vault) {
    assert_eq!(vault.get_tokens().unwrap(), expected());
    let found = vault
        .find_token(&crate::common::token(&[("user_name", "bob@example.com")]))
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_deref(), Some("2"));
    let by_refresh = vault
        .find_token(&crate::common::token(&[
            ("client_id", "1000.CLIENT"),
            ("client_secret", "secret-ann"),
            ("refresh_token", "1000.refresh.ann"),
        ]))
        .unwrap()
        .unwrap();
    assert_eq!(by_refresh.id.as_deref(), Some("1"));
    assert!(vault.verify().unwrap().is_ok());
}

#[test]
fn a_format_1_vault_opens_and_reads_as_it_was_written() {
    let (_dir, path) = fixture();
    let info = Vault::inspect(&path).unwrap();
    assert_eq!(info.format_version, 1);
    assert_eq!(info.token_count, 2);
    assert_eq!(info.slots.len(), 1);
    assert_eq!(info.slots[0].name, "passphrase");
    assert_eq!(info.slots[0].kind, SlotKind::Passphrase);
    let vault = options().open(&path, PASSPHRASE).unwrap();
    assert_reads_as_made(&vault);
    assert!(matches!(
        options().open(&path, "wrong"),
        Err(Error::WrongPassphrase)
    ));
}

#[test]
fn a_format_1_vault_takes_writes_and_rotation_and_stays_format_1() {
    let (_dir, path) = fixture();
    let vault = options().open(&path, PASSPHRASE).unwrap();
    let mut new = crate::common::token(&[("user_name", "cy@example.com"), ("access_token", "c")]);
    vault.save_token(&mut new).unwrap();
    vault.rotate_data_key().unwrap();
    drop(vault);
    assert_eq!(Vault::inspect(&path).unwrap().format_version, 1);
    let vault = options().open(&path, PASSPHRASE).unwrap();
    assert_eq!(vault.len().unwrap(), 3);
    assert!(vault.verify().unwrap().is_ok());
}

#[test]
fn upgrade_makes_format_2_with_every_token_and_the_same_passphrase() {
    let (_dir, path) = fixture();
    let vault = options().open(&path, PASSPHRASE).unwrap();
    let generation = vault.info().unwrap().generation;
    assert!(vault.upgrade().unwrap());
    assert_eq!(vault.info().unwrap().generation, generation + 1);
    assert!(
        !vault.upgrade().unwrap(),
        "a second upgrade has nothing to do"
    );
    assert_eq!(vault.info().unwrap().generation, generation + 1);
    assert_reads_as_made(&vault);
    drop(vault);
    let info = Vault::inspect(&path).unwrap();
    assert_eq!(info.format_version, 2);
    assert_eq!(info.slots[0].name, "passphrase");
    assert_eq!(
        info.slots[0].kdf,
        Some(tokenvault::KdfParams::insecure_for_tests())
    );
    let vault = options().open(&path, PASSPHRASE).unwrap();
    assert_reads_as_made(&vault);
}

/// FORMAT.md §Key slots, *Changing slots*: the upgraded slot keeps the vault's creation time;
/// a passphrase change gives the slot the time of the change (the fixture was made long before).
#[test]
fn passwd_gives_the_slot_a_new_creation_time_and_upgrade_keeps_the_vaults() {
    let (_dir, path) = fixture();
    let vault = options().open(&path, PASSPHRASE).unwrap();
    vault.upgrade().unwrap();
    let created = vault.info().unwrap().created_unix;
    assert_eq!(vault.slots().unwrap()[0].created_unix, created);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(before > created, "the fixture predates this run");
    vault.change_passphrase("renewed", None).unwrap();
    let slot = vault.slots().unwrap().remove(0);
    assert_eq!(slot.name, "passphrase", "same name and place");
    assert!(
        slot.created_unix >= before,
        "{} < {before}",
        slot.created_unix
    );
    assert_eq!(
        vault.info().unwrap().created_unix,
        created,
        "the vault's own is kept"
    );
}

#[test]
fn a_first_slot_change_upgrades_a_format_1_vault() {
    for change in ["add a key file", "change the passphrase"] {
        let (dir, path) = fixture();
        let vault = options().open(&path, PASSPHRASE).unwrap();
        let key = Credential::generate_key_file(dir.path().join("k")).unwrap();
        let credential = match change {
            "add a key file" => {
                vault.add_slot(Some("worker"), &key, None).unwrap();
                key
            }
            _ => {
                vault.change_passphrase("new passphrase", None).unwrap();
                Credential::from("new passphrase")
            }
        };
        drop(vault);
        assert_eq!(Vault::inspect(&path).unwrap().format_version, 2, "{change}");
        assert_reads_as_made(&options().open(&path, credential).unwrap());
    }
}

#[test]
fn a_key_file_on_a_format_1_vault_is_refused_with_advice() {
    let (_dir, path) = fixture();
    let key = Credential::key_bytes(&[1; 32]).unwrap();
    let refused = options().open(&path, key).unwrap_err();
    assert!(matches!(refused, Error::NoSlotOfKind { .. }), "{refused:?}");
    assert!(refused.to_string().contains("slot add"), "{refused}");
}
