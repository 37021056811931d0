//! Key slots (docs/FORMAT.md §Key slots): every slot opens the vault and nothing else does; slot
//! changes are atomic and checked; removal and passphrase changes revoke as documented, and with
//! rotation an old header and a removed credential open nothing written afterwards.

use std::path::Path;

use crate::common::{PASSPHRASE, token};
use redb::{Database, ReadableDatabase, TableDefinition};
use tokenvault::{
    Credential, Error, KdfParams, KeyFileError, OpenOptions, SlotError, SlotKind, Vault,
};

const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenvault_header");

fn options() -> OpenOptions {
    OpenOptions::insecure_for_tests()
}

fn tiny() -> Option<KdfParams> {
    Some(KdfParams::insecure_for_tests())
}

/// A vault with the slots `passphrase` (PASSPHRASE), `alice` ("alice's passphrase") and
/// `worker` (a key file in the same directory), holding one token.
fn three_slot_vault() -> (tempfile::TempDir, std::path::PathBuf, Credential) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slots.vault");
    let vault = options().create(&path, PASSPHRASE).unwrap();
    vault
        .save_token(&mut token(&[("user_name", "ann"), ("access_token", "a1")]))
        .unwrap();
    vault
        .add_slot(Some("alice"), "alice's passphrase", tiny())
        .unwrap();
    let key = Credential::generate_key_file(dir.path().join("worker.key")).unwrap();
    vault.add_slot(Some("worker"), &key, None).unwrap();
    (dir, path, key)
}

fn header_entries(path: &Path) -> (Vec<u8>, Vec<u8>) {
    let db = Database::open(path).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(HEADER).unwrap();
    let get = |k: &str| table.get(k).unwrap().unwrap().value().to_vec();
    (get("header"), get("state"))
}

fn put_header_entries(path: &Path, (header, state): &(Vec<u8>, Vec<u8>)) {
    let db = Database::create(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut table = txn.open_table(HEADER).unwrap();
        table.insert("header", header.as_slice()).unwrap();
        table.insert("state", state.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn every_slot_opens_the_vault_and_nothing_else_does() {
    let (dir, path, key) = three_slot_vault();
    for credential in [
        Credential::from(PASSPHRASE),
        Credential::from("alice's passphrase"),
        key.clone(),
        Credential::key_file(dir.path().join("worker.key")).unwrap(),
    ] {
        let vault = options().open(&path, &credential).unwrap();
        assert_eq!(vault.len().unwrap(), 1, "{credential:?}");
    }
    assert!(matches!(
        options().open(&path, "not a passphrase"),
        Err(Error::WrongPassphrase)
    ));
    let stranger = Credential::key_bytes(&[9; 32]).unwrap();
    assert!(matches!(
        options().open(&path, stranger),
        Err(Error::WrongKeyFile)
    ));
    let names: Vec<_> = Vault::inspect(&path)
        .unwrap()
        .slots
        .into_iter()
        .map(|s| (s.name, s.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("passphrase".to_string(), SlotKind::Passphrase),
            ("alice".to_string(), SlotKind::Passphrase),
            ("worker".to_string(), SlotKind::KeyFile),
        ]
    );
}

#[test]
fn a_key_file_does_not_open_a_vault_without_a_key_file_slot_and_says_why() {
    let (_dir, path, vault) = crate::common::new_vault();
    drop(vault);
    let key = Credential::key_bytes(&[1; 32]).unwrap();
    assert!(matches!(
        options().open(&path, key),
        Err(Error::NoSlotOfKind {
            kind: "key file",
            ..
        })
    ));
}

#[test]
fn a_vault_made_with_a_key_file_opens_with_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.vault");
    let key = Credential::generate_key_file(dir.path().join("app.key")).unwrap();
    // No KDF floor applies: a key file has no password KDF (the default options refuse none).
    let vault = OpenOptions::new().create(&path, &key).unwrap();
    assert_eq!(vault.unlocked_slot().as_deref(), Some("key-file"));
    drop(vault);
    let vault = OpenOptions::new().open(&path, &key).unwrap();
    vault
        .save_token(&mut token(&[("access_token", "x")]))
        .unwrap();
    assert!(matches!(
        options().open(&path, PASSPHRASE),
        Err(Error::NoSlotOfKind {
            kind: "passphrase",
            ..
        })
    ));
}

#[test]
fn slot_names_are_unique_and_plain_and_get_defaults() {
    let (_dir, path, vault) = crate::common::new_vault();
    let long = "x".repeat(65);
    let refusals = [
        ("", SlotError::NameLength { length: 0, max: 64 }),
        (
            long.as_str(),
            SlotError::NameLength {
                length: 65,
                max: 64,
            },
        ),
        ("two words", SlotError::NameCharacters),
        ("passphrase", SlotError::NameTaken),
    ];
    for (bad, expected) in refusals {
        let before = std::fs::read(&path).unwrap();
        match vault.add_slot(Some(bad), "x", tiny()) {
            Err(Error::Slot { name, reason }) => {
                assert_eq!((name.as_str(), reason), (bad, expected));
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        assert_eq!(vault.slots().unwrap().len(), 1, "{bad:?}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{bad:?}: nothing changed"
        );
    }
    assert_eq!(vault.add_slot(None, "x", tiny()).unwrap(), "passphrase-2");
    assert_eq!(vault.add_slot(None, "y", tiny()).unwrap(), "passphrase-3");
    let key = Credential::key_bytes(&[3; 32]).unwrap();
    assert_eq!(vault.add_slot(None, &key, None).unwrap(), "key-file");
}

#[test]
fn a_new_passphrase_slot_must_meet_the_kdf_floor_unless_opted_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("floor.vault");
    drop(options().create(&path, PASSPHRASE).unwrap());
    let strict = OpenOptions::new().open(&path, PASSPHRASE).unwrap();
    assert!(matches!(
        strict.add_slot(Some("weak"), "x", tiny()),
        Err(Error::KdfBelowFloor { .. })
    ));
    assert_eq!(strict.slots().unwrap().len(), 1);
}

#[test]
fn the_last_slot_is_never_removed() {
    let (_dir, path, vault) = crate::common::new_vault();
    let generation = vault.info().unwrap().generation;
    for rotate in [false, true] {
        assert!(matches!(
            vault.remove_slot("passphrase", rotate),
            Err(Error::Slot { name, reason: SlotError::LastSlot }) if name == "passphrase"
        ));
    }
    match vault.remove_slot("nobody", false) {
        Err(Error::Slot {
            reason: SlotError::NotFound { existing },
            ..
        }) => assert_eq!(existing, ["passphrase"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(vault.info().unwrap().generation, generation);
    drop(vault);
    assert!(Vault::open(&path, PASSPHRASE).is_ok());
}

#[test]
fn a_removed_slot_no_longer_opens_the_file_and_the_others_still_do() {
    let (_dir, path, key) = three_slot_vault();
    for rotate in [false, true] {
        let name = if rotate { "worker" } else { "alice" };
        let vault = options().open(&path, PASSPHRASE).unwrap();
        vault.remove_slot(name, rotate).unwrap();
        drop(vault);
        let vault = options().open(&path, PASSPHRASE).unwrap();
        assert_eq!(vault.len().unwrap(), 1);
        assert!(vault.verify().unwrap().is_ok());
    }
    assert!(matches!(
        options().open(&path, "alice's passphrase"),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(
        options().open(&path, key),
        Err(Error::NoSlotOfKind { .. })
    ));
}

#[test]
fn rotating_on_removal_rewraps_the_remaining_slots_without_their_credentials() {
    let (_dir, path, key) = three_slot_vault();
    // Unlocked with a key file: alice's passphrase is not known to this handle.
    let vault = options().open(&path, &key).unwrap();
    vault.remove_slot("passphrase", true).unwrap();
    drop(vault);
    let vault = options().open(&path, "alice's passphrase").unwrap();
    assert_eq!(vault.get_tokens().unwrap().len(), 1);
    assert!(vault.verify().unwrap().is_ok());
    assert_eq!(vault.info().unwrap().seal_count, 1);
}

/// The documented limit of a removal without rotation: the master key stays, so a copy of the
/// header taken before the removal still unlocks records written afterwards.
#[test]
fn without_rotation_an_old_header_and_a_removed_passphrase_still_open_later_records() {
    let (_dir, path, _key) = three_slot_vault();
    let old = header_entries(&path);
    let vault = options().open(&path, PASSPHRASE).unwrap();
    vault.remove_slot("alice", false).unwrap();
    let mut later = token(&[("user_name", "bob"), ("access_token", "b1")]);
    vault.save_token(&mut later).unwrap();
    drop(vault);
    put_header_entries(&path, &old);
    let grafted = options().open(&path, "alice's passphrase").unwrap();
    assert!(
        grafted
            .find_token_by_id(later.id.as_deref().unwrap())
            .is_ok()
    );
}

#[test]
fn with_rotation_an_old_header_and_a_removed_credential_open_nothing_written_after() {
    for change in ["remove alice", "passwd alice"] {
        let (_dir, path, _key) = three_slot_vault();
        let old = header_entries(&path);
        let vault = options().open(&path, PASSPHRASE).unwrap();
        match change {
            "remove alice" => vault.remove_slot("alice", true).unwrap(),
            _ => {
                vault
                    .change_slot_passphrase(Some("alice"), "alice's new one", tiny(), true)
                    .unwrap();
            }
        }
        let mut later = token(&[("user_name", "bob"), ("access_token", "b1")]);
        vault.save_token(&mut later).unwrap();
        drop(vault);
        put_header_entries(&path, &old);
        let grafted = options().open(&path, "alice's passphrase").unwrap();
        assert!(
            matches!(
                grafted.find_token_by_id(later.id.as_deref().unwrap()),
                Err(Error::Corrupted { .. })
            ),
            "{change}"
        );
        assert!(matches!(
            grafted.find_token_by_id("1"),
            Err(Error::Corrupted { .. })
        ));
    }
}

#[test]
fn passwd_changes_one_slot_and_leaves_the_others() {
    let (_dir, path, key) = three_slot_vault();
    let vault = options().open(&path, &key).unwrap();
    assert_eq!(
        vault
            .change_slot_passphrase(Some("alice"), "alice's new one", tiny(), false)
            .unwrap(),
        "alice"
    );
    assert!(matches!(
        vault.change_slot_passphrase(Some("worker"), "x", tiny(), false),
        Err(Error::Slot {
            reason: SlotError::NotAPassphraseSlot {
                kind: SlotKind::KeyFile
            },
            ..
        })
    ));
    assert!(matches!(
        vault.change_slot_passphrase(Some("alice"), &key, None, false),
        Err(Error::Slot {
            reason: SlotError::NewCredentialNotAPassphrase { given: "key file" },
            ..
        })
    ));
    drop(vault);
    assert!(matches!(
        options().open(&path, "alice's passphrase"),
        Err(Error::WrongPassphrase)
    ));
    for credential in [
        Credential::from("alice's new one"),
        Credential::from(PASSPHRASE),
        key,
    ] {
        assert!(options().open(&path, credential).is_ok());
    }
    let slots = Vault::inspect(&path).unwrap().slots;
    assert_eq!(slots[1].name, "alice", "the slot keeps its place");
}

#[test]
fn change_passphrase_changes_the_slot_this_handle_unlocked() {
    let (_dir, path, _key) = three_slot_vault();
    let vault = options().open(&path, "alice's passphrase").unwrap();
    assert_eq!(vault.unlocked_slot().as_deref(), Some("alice"));
    vault.change_passphrase("renewed", tiny()).unwrap();
    drop(vault);
    assert!(options().open(&path, "renewed").is_ok());
    assert!(options().open(&path, PASSPHRASE).is_ok());
}

#[test]
fn a_header_swapped_for_another_slot_set_is_detected_at_open() {
    // Two states of the same vault: the header of one with the state of the other is refused
    // (the state MAC binds the whole header, every slot included).
    let (_dir, path, _key) = three_slot_vault();
    let before = header_entries(&path);
    let vault = options().open(&path, PASSPHRASE).unwrap();
    vault.remove_slot("alice", false).unwrap();
    drop(vault);
    let after = header_entries(&path);
    put_header_entries(&path, &(before.0, after.1));
    assert!(matches!(
        options().open(&path, PASSPHRASE),
        Err(Error::Corrupted { .. })
    ));
}

#[test]
fn sixteen_slots_at_most() {
    let (_dir, _path, vault) = crate::common::new_vault();
    for i in 2..=16 {
        let key = Credential::key_bytes(&[i as u8; 32]).unwrap();
        vault.add_slot(Some(&format!("k{i}")), key, None).unwrap();
    }
    let key = Credential::key_bytes(&[99; 32]).unwrap();
    assert!(matches!(
        vault.add_slot(Some("k17"), key, None),
        Err(Error::Slot {
            reason: SlotError::TooManySlots { max: 16 },
            ..
        })
    ));
    assert_eq!(vault.slots().unwrap().len(), 16);
}

#[test]
fn a_handle_follows_slot_changes_and_rotations_made_by_another_process() {
    // One process per handle: a vault file is open once per process.
    if crate::common::child::role().as_deref() == Some("follower") {
        let key = Credential::key_file(crate::common::child::env("KEY")).unwrap();
        let vault = options()
            .open(crate::common::child::env("VAULT"), key)
            .unwrap();
        crate::common::child::report("opened");
        let go = std::path::PathBuf::from(crate::common::child::env("GO"));
        while !go.exists() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let outcome = match vault.get_tokens() {
            Ok(tokens) => format!("read {}", tokens.len()),
            Err(e) => format!("error {e}"),
        };
        crate::common::child::report(outcome);
        let revoked = match vault.get_tokens() {
            Ok(tokens) => format!("read {}", tokens.len()),
            Err(Error::KeyChanged) => "key changed".to_string(),
            Err(e) => format!("error {e}"),
        };
        std::fs::write(go.with_extension("done"), "").unwrap();
        while !go.with_extension("removed").exists() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let revoked_after = match vault.get_tokens() {
            Ok(tokens) => format!("read {}", tokens.len()),
            Err(Error::KeyChanged) => "key changed".to_string(),
            Err(e) => format!("error {e}"),
        };
        crate::common::child::report(format!("{revoked} / {revoked_after}"));
        return;
    }
    let (dir, path, _key) = three_slot_vault();
    let go = dir.path().join("go");
    let mut cmd = crate::common::child::command(
        "a_handle_follows_slot_changes_and_rotations_made_by_another_process",
        "follower",
    );
    cmd.env("VAULT", &path)
        .env("KEY", dir.path().join("worker.key"))
        .env("GO", &go);
    let mut child = crate::common::child::Reporter::spawn(cmd);
    let wait = std::time::Duration::from_secs(60);
    assert!(child.wait_for("opened", wait).is_some());
    let vault = options().open(&path, PASSPHRASE).unwrap();
    vault.remove_slot("alice", true).unwrap();
    vault.add_slot(Some("bob"), "bob's", tiny()).unwrap();
    vault
        .save_token(&mut token(&[("user_name", "cy"), ("access_token", "c")]))
        .unwrap();
    std::fs::write(&go, "").unwrap();
    assert_eq!(child.wait_for("read", wait).as_deref(), Some("read 2"));
    while !go.with_extension("done").exists() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    vault.remove_slot("worker", true).unwrap();
    std::fs::write(go.with_extension("removed"), "").unwrap();
    let (status, lines) = child.finish();
    assert!(status.success(), "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("read 2 / key changed"),
        "{lines:?}"
    );
}

#[test]
fn a_recovery_key_opens_its_slot_and_its_bytes_open_no_key_file_slot() {
    let (_dir, path, vault) = crate::common::new_vault();
    let (recovery, text) = Credential::generate_recovery_key().unwrap();
    assert_eq!(
        vault.add_slot(None, &recovery, None).unwrap(),
        "recovery-key"
    );
    drop(vault);
    let typed = Credential::recovery_key(&text.expose().to_lowercase()).unwrap();
    assert_eq!(
        options()
            .open(&path, typed)
            .unwrap()
            .unlocked_slot()
            .as_deref(),
        Some("recovery-key")
    );
    let (stranger, _) = Credential::generate_recovery_key().unwrap();
    assert!(matches!(
        options().open(&path, stranger),
        Err(Error::WrongRecoveryKey)
    ));
    // The same 32 bytes as a key file: another kind, another label, no slot opens.
    let cleaned: String = text.expose().chars().filter(|c| *c != '-').collect();
    let bytes = data_encoding::BASE32_NOPAD
        .decode(cleaned.as_bytes())
        .unwrap();
    assert!(matches!(
        options().open(&path, Credential::key_bytes(&bytes).unwrap()),
        Err(Error::NoSlotOfKind { .. })
    ));
    assert_eq!(
        Vault::inspect(&path).unwrap().slots[1].kind,
        SlotKind::RecoveryKey
    );
}

#[test]
fn a_handle_accepts_every_credential_that_unlocks_its_vault_and_no_other() {
    let (dir, path, key) = three_slot_vault();
    let vault = options().open(&path, PASSPHRASE).unwrap();
    for good in [
        Credential::from(PASSPHRASE),
        Credential::from("alice's passphrase"),
        key,
        Credential::key_file(dir.path().join("worker.key")).unwrap(),
    ] {
        assert!(vault.accepts(&good).unwrap(), "{good:?}");
    }
    for bad in [
        Credential::from("nope"),
        Credential::from(""),
        Credential::key_bytes(&[0; 32]).unwrap(),
        Credential::generate_recovery_key().unwrap().0,
    ] {
        assert!(!vault.accepts(&bad).unwrap(), "{bad:?}");
    }
    vault.remove_slot("alice", false).unwrap();
    assert!(!vault.accepts("alice's passphrase").unwrap());
}

#[test]
fn a_key_file_of_the_wrong_length_is_refused_with_the_length_seen() {
    let dir = tempfile::tempdir().unwrap();
    for (len, seen) in [(0, 0), (31, 31), (33, 33), (4096, 33)] {
        let path = dir.path().join(format!("k{len}.key"));
        std::fs::write(&path, vec![0xa5; len]).unwrap();
        match Credential::key_file(&path) {
            Err(Error::KeyFile {
                path: named,
                reason: KeyFileError::WrongLength { seen: s, expected },
            }) => {
                assert_eq!((s, expected), (seen, tokenvault::KEY_FILE_LEN), "{len}");
                assert_eq!(named, path, "the error names the file");
            }
            other => panic!("{len}: {other:?}"),
        }
    }
    let missing = dir.path().join("missing.key");
    assert!(matches!(
        Credential::key_file(&missing),
        Err(Error::KeyFile {
            reason: KeyFileError::Unreadable {
                kind: std::io::ErrorKind::NotFound,
                ..
            },
            ..
        })
    ));
}

#[test]
fn a_key_file_is_never_generated_over_a_file_that_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("there.key");
    std::fs::write(&path, b"keep me").unwrap();
    assert!(matches!(
        Credential::generate_key_file(&path),
        Err(Error::KeyFile {
            reason: KeyFileError::AlreadyExists,
            ..
        })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
}
