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

/// FORMAT.md §Credentials: a key file is its 32 bytes exactly, nothing trimmed or decoded; any
/// other length is refused before the vault is tried (exit 2), naming the length.
#[test]
fn a_key_file_with_a_line_end_or_in_hex_is_refused_not_trimmed_or_decoded() {
    let s = Scratch::new();
    s.init();
    let key: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(0x91))
        .collect();
    let with_line_end = [&key[..], b"\n"].concat();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    for (name, contents, says) in [
        ("line-end.key", with_line_end, "it holds more than 32 bytes"),
        ("hex.key", hex.into_bytes(), "it holds more than 32 bytes"),
        ("short.key", key[..31].to_vec(), "it holds 31 bytes"),
    ] {
        std::fs::write(s.path(name), contents).unwrap();
        std::fs::set_permissions(
            s.path(name),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        s.cmd()
            .args(["--key-file", name, "list"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains(name));
    }
}

/// FORMAT.md §Credentials: the first source that is set is the only one tried. A key file or a
/// recovery key that the vault has no slot for does not fall back to the right passphrase in
/// the environment (exit 3, not success).
#[test]
fn the_first_credential_set_is_the_only_one_tried() {
    let s = Scratch::new();
    s.init();
    s.cmd().arg("list").assert().success();
    let key: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(0x91))
        .collect();
    std::fs::write(s.path("app.key"), key).unwrap();
    std::fs::set_permissions(
        s.path("app.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    s.cmd()
        .env("TOKENVAULT_KEY_FILE", "app.key")
        .arg("list")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("has no key file slot"));
    // The recovery key of FORMAT.md's example: valid text, but this vault has no such slot.
    let recovery = "AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT-CQKR-MFYY-DENB-WHA5-DYPQ";
    s.cmd()
        .env("TOKENVAULT_RECOVERY_KEY", recovery)
        .arg("list")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("has no recovery key slot"));
    // Its spare bits set: not a recovery key at all (exit 2), and still no fallback.
    s.cmd()
        .env("TOKENVAULT_RECOVERY_KEY", recovery.replace("DYPQ", "DYPR"))
        .arg("list")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a recovery key"));
}
