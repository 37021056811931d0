//! Where the CLI's credentials come from, hardened (issue 19): a key file or passphrase file that
//! is not a regular file, a key file typed by hand, and what a passphrase command can see.
#![cfg(all(feature = "cli", unix))]

mod cli_support;

use std::path::PathBuf;
use std::time::Duration;

use cli_support::{PASSPHRASE, Scratch};
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
        .args(cli_support::FAST_KDF)
        .timeout(DID_NOT_HANG)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "unset unset");
}
