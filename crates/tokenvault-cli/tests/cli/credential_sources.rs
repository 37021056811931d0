//! Where the CLI's credentials come from, hardened (issue 19): a key file or passphrase file that
//! is not a regular file, a key file typed by hand, and what a passphrase command can see.
#![cfg(unix)]

use std::path::PathBuf;
use std::time::Duration;

use crate::support::{PASSPHRASE, Scratch};
use predicates::prelude::*;

/// Far longer than any of these commands takes, far shorter than forever: a command that blocks
/// (the bug) is killed and fails its assertion instead of hanging the suite.
const DID_NOT_HANG: Duration = Duration::from_secs(30);

fn fifo(s: &Scratch, name: &str) -> PathBuf {
    let path = s.path(name);
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    path
}

#[test]
fn a_passphrase_file_that_is_a_fifo_is_refused_without_blocking() {
    let s = Scratch::new();
    s.init();
    let fifo = fifo(&s, "pass.fifo");
    s.bare()
        .arg("--passphrase-file")
        .arg(&fifo)
        .arg("list")
        .timeout(DID_NOT_HANG)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
}

#[test]
fn a_key_file_that_is_a_fifo_is_refused_without_blocking() {
    let s = Scratch::new();
    s.init();
    let fifo = fifo(&s, "key.fifo");
    s.bare()
        .env("TOKENVAULT_KEY_FILE", &fifo)
        .arg("list")
        .timeout(DID_NOT_HANG)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
}

#[test]
fn the_passphrase_command_sees_neither_the_new_passphrase_nor_a_server_url() {
    let s = Scratch::new();
    s.init();
    let seen = s.path("seen.txt");
    let command = format!(
        "printf '%s %s' \"${{TOKENVAULT_NEW_PASSPHRASE:-unset}}\" \"${{TOKENVAULT_DBSTORE_URL:-unset}}\" > '{}'; printf '%s\\n' '{PASSPHRASE}'",
        seen.display()
    );
    s.bare()
        .env("TOKENVAULT_NEW_PASSPHRASE", "the new secret passphrase")
        .env(
            "TOKENVAULT_DBSTORE_URL",
            "mysql://app:db-password@db/zohooauth",
        )
        .args(["--passphrase-command", &command])
        .args(["slot", "add", "--passphrase", "--name", "second"])
        .args(crate::support::FAST_KDF)
        .timeout(DID_NOT_HANG)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "unset unset");
}

/// `printf '%-32s' 'Summer2024!' > PATH`: the key file of the report, typed by a person.
fn typed_key_file(s: &Scratch, name: &str) -> PathBuf {
    s.file(name, format!("{:<32}", "Summer2024!"))
}

fn slot_count(s: &Scratch) -> usize {
    let out = s.bare().args(["--json", "slot", "list"]).output().unwrap();
    crate::support::json_of(&out.stdout)["slots"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn a_key_file_typed_by_hand_is_not_added_without_the_explicit_flag() {
    let s = Scratch::new();
    s.init();
    let weak = typed_key_file(&s, "weak.key");
    s.cmd()
        .args(["slot", "add", "--new-key-file"])
        .arg(&weak)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not look random"))
        .stderr(predicate::str::contains("--generate"))
        .stderr(predicate::str::contains("head -c 32 /dev/urandom"))
        .stderr(predicate::str::contains("--allow-weak-key-file"))
        .stderr(predicate::str::contains("Summer").not());
    assert_eq!(slot_count(&s), 1, "nothing was added");
    // Refused before the vault is unlocked: no passphrase is asked for or needed.
    s.bare()
        .args(["slot", "add", "--new-key-file"])
        .arg(&weak)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not look random"));
    s.cmd()
        .args(["--allow-weak-key-file", "slot", "add", "--new-key-file"])
        .arg(&weak)
        .assert()
        .success()
        .stderr(predicate::str::contains("does not look random"));
    assert_eq!(slot_count(&s), 2);
    // Once added, it opens the vault (with a warning): nobody is locked out.
    s.bare()
        .arg("--key-file")
        .arg(&weak)
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains("does not look random"))
        .stderr(predicate::str::contains("slot remove"));
}

#[test]
fn a_vault_is_not_created_with_a_key_file_typed_by_hand() {
    let s = Scratch::new();
    let weak = typed_key_file(&s, "weak.key");
    s.bare()
        .arg("--key-file")
        .arg(&weak)
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not look random"))
        .stderr(predicate::str::contains("--generate"));
    assert!(!s.vault().exists(), "no vault was created");
}

#[test]
fn a_random_key_file_is_added_and_used_without_a_word_about_randomness() {
    let s = Scratch::new();
    s.init();
    let mut bytes = [0u8; 32];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").unwrap(),
        &mut bytes,
    )
    .unwrap();
    let random = s.file("random.key", bytes);
    std::fs::set_permissions(&random, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    s.cmd()
        .args(["slot", "add", "--new-key-file"])
        .arg(&random)
        .assert()
        .success()
        .stderr(predicate::str::contains("random").not());
    s.bare()
        .arg("--key-file")
        .arg(&random)
        .arg("list")
        .assert()
        .success()
        .stderr(predicate::str::contains("random").not());
}

/// Run on a terminal (a pseudo-terminal, as its foreground job), the CLI leaves the passphrase
/// command in its own process group: in another group, the command's read of `/dev/tty` would
/// stop it (SIGTTIN) until its timeout killed it.
#[test]
fn a_passphrase_command_run_from_a_terminal_can_still_prompt_on_it() {
    let s = Scratch::new();
    s.init();
    let command =
        "printf 'Secret manager PIN: ' > /dev/tty; read -r pin < /dev/tty; printf '%s\\n' \"$pin\"";
    let mut cmd = std::process::Command::new(crate::support::binary());
    cmd.args(["--passphrase-command", command, "list"])
        .current_dir(s.dir.path())
        .env_remove("TOKENVAULT_PASSPHRASE")
        .env_remove("TOKENVAULT_PASSPHRASE_COMMAND")
        .env_remove("TOKENVAULT_KEY_FILE")
        .env_remove("TOKENVAULT_RECOVERY_KEY")
        .env_remove("TOKENVAULT_PATH")
        .env("NO_COLOR", "1");
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(DID_NOT_HANG.as_millis() as u64))
        .strip_ansi_escape_codes(true);
    let mut session = rexpect::spawn_with_options(cmd, options).expect("spawn on a pty");
    session.exp_string("Secret manager PIN: ").unwrap();
    session.send_line(PASSPHRASE).unwrap();
    session.exp_eof().unwrap();
    match session.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("tokenvault did not exit normally: {other:?}"),
    }
}
