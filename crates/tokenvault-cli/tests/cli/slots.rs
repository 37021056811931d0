//! Key slots from the command line: `init --key-file`, `--key-file` / `TOKENVAULT_KEY_FILE`,
//! `slot list | add | remove`, `passwd --slot --rotate`, `upgrade`, and what they say about
//! revocation.

use crate::support::{FAST_KDF, Scratch, json_of};
use predicates::prelude::*;

fn slots(s: &Scratch) -> serde_json::Value {
    let out = s.bare().args(["--json", "slot", "list"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out.stdout)["slots"].clone()
}

#[test]
fn init_with_a_generated_key_file_needs_no_passphrase_at_all() {
    let s = Scratch::new();
    s.bare()
        .args(["init", "--key-file", "app.key", "--generate"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "unlocked by the new key file app.key",
        ));
    let key = std::fs::read(s.path("app.key")).unwrap();
    assert_eq!(key.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.path("app.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    s.bare()
        .env("TOKENVAULT_KEY_FILE", "app.key")
        .arg("save")
        .write_stdin(r#"{"user_name": "ann", "access_token": "a"}"#)
        .assert()
        .success()
        .stdout("1\n");
    s.bare()
        .args(["--key-file", "app.key", "get", "1"])
        .assert()
        .success();
    assert_eq!(slots(&s)[0]["kind"], "key-file");
    // A second --generate never writes over the key file.
    s.bare()
        .args([
            "--vault",
            "other.vault",
            "init",
            "--key-file",
            "app.key",
            "--generate",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already there"));
    assert_eq!(std::fs::read(s.path("app.key")).unwrap(), key);
    assert!(!s.path("other.vault").exists());
}

#[test]
fn generate_without_a_key_file_is_a_usage_error() {
    let s = Scratch::new();
    s.cmd()
        .args(["init", "--generate"])
        .args(FAST_KDF)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--key-file"));
    assert!(!s.vault().exists());
}

#[test]
fn the_key_file_comes_before_every_passphrase_source_and_a_wrong_one_exits_3() {
    let s = Scratch::new();
    s.init();
    s.cmd()
        .args([
            "slot",
            "add",
            "--new-key-file",
            "w.key",
            "--generate",
            "--name",
            "worker",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("Added the key slot worker"));
    // With a wrong passphrase in the environment, the key file still unlocks: it comes first.
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "wrong")
        .env("TOKENVAULT_KEY_FILE", "w.key")
        .arg("list")
        .assert()
        .success();
    std::fs::write(s.path("stranger.key"), [7u8; 32]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(s.path("stranger.key"), private).unwrap();
    }
    s.bare()
        .args(["--key-file", "stranger.key", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("wrong key file"));
    s.bare()
        .args(["--key-file", "missing.key", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.key"));
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    s.bare()
        .args(["init", "--key-file", "app.key", "--generate"])
        .assert()
        .success();
    let open = std::fs::Permissions::from_mode(0o644);
    std::fs::set_permissions(s.path("app.key"), open).unwrap();
    s.bare()
        .args(["--key-file", "app.key", "list"])
        .assert()
        .success()
        .stderr(predicate::str::contains("mode 644").and(predicate::str::contains("chmod 600")));
}

#[test]
fn slots_are_added_listed_and_removed_but_never_the_last() {
    let s = Scratch::new();
    s.init();
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "alice's passphrase")
        .args(["slot", "add", "--passphrase", "--name", "alice"])
        .args(FAST_KDF)
        .assert()
        .success();
    let listed = slots(&s);
    assert_eq!(listed[0]["name"], "passphrase");
    assert_eq!(listed[1]["name"], "alice");
    assert_eq!(listed[1]["kdf"]["memory_kib"], 8);
    let text = s.bare().args(["slot", "list"]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("NAME") && text.contains("alice"), "{text}");
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "alice's passphrase")
        .args(["slot", "remove", "passphrase"])
        .assert()
        .success()
        .stderr(predicate::str::contains("The data key is unchanged"));
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "alice's passphrase")
        .args(["slot", "remove", "alice"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("last slot"));
    assert_eq!(slots(&s).as_array().unwrap().len(), 1);
}

#[test]
fn remove_with_rotate_reseals_and_says_what_it_does_and_does_not_do() {
    let s = Scratch::with_typical();
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "temp")
        .args(["slot", "add", "--passphrase", "--name", "temp"])
        .args(FAST_KDF)
        .assert()
        .success();
    let before = s.info()["encryption_count"].as_u64().unwrap();
    s.cmd()
        .args(["slot", "remove", "temp", "--rotate"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("Rotated the data key")
                .and(predicate::str::contains("copies of the vault taken before"))
                // Rotation keeps each slot's X25519 pair: a former holder who can write the
                // vault can still plant a data key of their own (FORMAT.md §Threat model).
                .and(predicate::str::contains("who cannot write the vault")),
        );
    let info = s.info();
    assert_eq!(info["encryption_count"], info["token_count"]);
    assert!(before >= 3);
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "temp")
        .arg("list")
        .assert()
        .code(3);
}

#[test]
fn passwd_changes_the_named_slot_and_rotates_on_request() {
    let s = Scratch::with_typical();
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "alice's")
        .args(["slot", "add", "--passphrase", "--name", "alice"])
        .args(FAST_KDF)
        .assert()
        .success();
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "alice's new")
        .args(["passwd", "--slot", "alice", "--rotate", "--insecure-kdf"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("Changed the passphrase of the slot alice")
                .and(predicate::str::contains("Rotated the data key")),
        );
    s.bare()
        .env("TOKENVAULT_PASSPHRASE", "alice's new")
        .arg("list")
        .assert()
        .success();
    s.cmd().arg("list").assert().success();
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "x")
        .args(["slot", "add", "--new-key-file", "k", "--generate"])
        .assert()
        .success();
    s.cmd()
        .env("TOKENVAULT_NEW_PASSPHRASE", "x")
        .args(["passwd", "--slot", "key-file"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("key file"));
}

#[test]
fn help_says_what_removal_without_rotation_does_not_do() {
    let s = Scratch::new();
    for command in [&["slot", "remove", "--help"][..], &["passwd", "--help"]] {
        s.bare().args(command).assert().success().stdout(
            predicate::str::contains("Without --rotate")
                .and(predicate::str::contains("still opens a copy of the vault")),
        );
    }
}

#[test]
fn upgrade_turns_a_format_1_vault_into_format_2() {
    let s = Scratch::new();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/v1/two-tokens.vault"
        ),
        s.vault(),
    )
    .unwrap();
    s.bare()
        .args(["slot", "list"])
        .assert()
        .success()
        .stderr(predicate::str::contains("format-1 vault"));
    let upgrade = || {
        let mut cmd = s.bare();
        cmd.env("TOKENVAULT_PASSPHRASE", "fixture passphrase v1")
            .arg("upgrade");
        cmd
    };
    upgrade()
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Upgraded tokens.vault to format 2",
        ));
    upgrade()
        .assert()
        .success()
        .stderr(predicate::str::contains("already format 2"));
    let info = json_of(&s.bare().args(["--json", "info"]).output().unwrap().stdout);
    assert_eq!(info["format_version"], 2);
    assert_eq!(info["token_count"], 2);
}

#[test]
fn a_recovery_key_is_printed_once_and_unlocks_from_the_environment() {
    let s = Scratch::new();
    let text = s.init_with_recovery_key();
    assert_eq!(text.split('-').count(), 13, "{text}");
    s.bare()
        .env("TOKENVAULT_RECOVERY_KEY", text.to_lowercase())
        .arg("list")
        .assert()
        .success();
    s.bare()
        .env("TOKENVAULT_RECOVERY_KEY", "not a key")
        .arg("list")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a recovery key"));
    let other = s
        .cmd()
        .args([
            "--json",
            "slot",
            "add",
            "--new-recovery-key",
            "--name",
            "spare",
        ])
        .output()
        .unwrap();
    let other = json_of(&other.stdout)["recovery_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(other, text);
    let kinds: Vec<_> = slots(&s)
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["passphrase", "recovery-key", "recovery-key"]);
}
