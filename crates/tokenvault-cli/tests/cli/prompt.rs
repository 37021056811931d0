//! The passphrase prompt, driven through a real pseudo-terminal: asked twice when creating,
//! typed without echo, read from the terminal even when stdin carries data, and a clear error
//! (not a hang) when there is no terminal at all.
#![cfg(unix)]

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{FAST_KDF, PASSPHRASE, Scratch, compat_file};
use nix::sys::termios::{LocalFlags, tcgetattr};
use predicates::prelude::*;
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

/// `tokenvault ARGS` on a new pseudo-terminal, with echo turned on first (rexpect turns it
/// off), so that only the prompt itself can hide what is typed. `stdin_json`, if given, is piped
/// to the tool's stdin while the terminal stays its controlling terminal.
fn spawn(s: &Scratch, args: &[&str], stdin_json: Option<&str>) -> PtySession {
    let script = match stdin_json {
        None => r#"stty echo && exec "$0" "$@""#,
        Some(_) => r#"stty echo && printf '%s' "$TV_STDIN" | "$0" "$@""#,
    };
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .arg(crate::support::binary())
        .args(args)
        .current_dir(s.dir.path())
        .env_remove("TOKENVAULT_PASSPHRASE")
        .env_remove("TOKENVAULT_NEW_PASSPHRASE")
        .env_remove("TOKENVAULT_RECOVERY_KEY")
        .env_remove("TOKENVAULT_KEY_FILE")
        .env_remove("TOKENVAULT_PATH")
        .env("NO_COLOR", "1");
    if let Some(json) = stdin_json {
        cmd.env("TV_STDIN", json);
    }
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(true);
    rexpect::spawn_with_options(cmd, options).expect("spawn on a pty")
}

/// Waits until the terminal stops echoing (the prompt has turned echo off), then types `line`.
/// Fails if echo never goes off: typing would then show the passphrase.
fn type_hidden(session: &mut PtySession, line: &str) {
    let master = session.process().get_file_handle().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while tcgetattr(&master)
        .unwrap()
        .local_flags
        .contains(LocalFlags::ECHO)
    {
        assert!(
            Instant::now() < deadline,
            "the prompt never turned echo off"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    session.send_line(line).unwrap();
}

/// Reads to the end and returns everything shown and the exit code.
fn finish(mut session: PtySession) -> (String, i32) {
    let rest = session.exp_eof().unwrap();
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => (rest, code),
        other => panic!("tokenvault did not exit normally: {other:?}"),
    }
}

#[test]
fn init_asks_twice_without_echo_and_the_typed_passphrase_unlocks_the_vault() {
    let s = Scratch::new();
    let mut session = spawn(&s, &[&["init"][..], &FAST_KDF].concat(), None);
    session
        .exp_string("New passphrase for tokens.vault: ")
        .unwrap();
    type_hidden(&mut session, PASSPHRASE);
    session.exp_string("Repeat the new passphrase: ").unwrap();
    type_hidden(&mut session, PASSPHRASE);
    let (shown, code) = finish(session);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("Created tokens.vault"), "{shown}");
    assert!(
        !shown.contains(PASSPHRASE),
        "the passphrase was echoed: {shown}"
    );
    s.cmd().arg("list").assert().success();
}

#[test]
fn init_with_a_mismatched_confirmation_creates_nothing() {
    let s = Scratch::new();
    let mut session = spawn(&s, &[&["init"][..], &FAST_KDF].concat(), None);
    session.exp_string("New passphrase").unwrap();
    type_hidden(&mut session, PASSPHRASE);
    session.exp_string("Repeat the new passphrase: ").unwrap();
    type_hidden(&mut session, "something else");
    let (shown, code) = finish(session);
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("the two passphrases differ"), "{shown}");
    assert!(!s.vault().exists());
}

#[test]
fn unlock_asks_once_on_the_terminal() {
    let s = Scratch::with_typical();
    let mut session = spawn(&s, &["list"], None);
    session.exp_string("Passphrase for tokens.vault: ").unwrap();
    type_hidden(&mut session, PASSPHRASE);
    let (shown, code) = finish(session);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("sales@zylker.com"), "{shown}");
    assert!(!shown.contains("Repeat"), "{shown}");
}

#[test]
fn a_wrong_passphrase_at_the_prompt_exits_3() {
    let s = Scratch::with_typical();
    let mut session = spawn(&s, &["list"], None);
    session.exp_string("Passphrase for tokens.vault: ").unwrap();
    type_hidden(&mut session, "not the passphrase");
    let (shown, code) = finish(session);
    assert_eq!(code, 3, "{shown}");
    assert!(shown.contains("wrong passphrase"), "{shown}");
}

#[test]
fn the_prompt_reads_the_terminal_while_stdin_carries_the_query() {
    let s = Scratch::with_typical();
    let mut session = spawn(
        &s,
        &["find", "--explain"],
        Some(r#"{"user_name": "sales@zylker.com"}"#),
    );
    session.exp_string("Passphrase for tokens.vault: ").unwrap();
    type_hidden(&mut session, PASSPHRASE);
    let (shown, code) = finish(session);
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("the user name (FileStore rule 1)"),
        "{shown}"
    );
}

#[test]
fn import_shows_a_progress_bar_on_a_terminal() {
    let s = Scratch::new();
    let file = compat_file("many.txt");
    let mut args = vec!["import", "--create"];
    args.extend(FAST_KDF);
    args.push(file.to_str().unwrap());
    let mut session = spawn(&s, &args, None);
    session.exp_string("New passphrase").unwrap();
    type_hidden(&mut session, PASSPHRASE);
    session.exp_string("Repeat").unwrap();
    type_hidden(&mut session, PASSPHRASE);
    session.exp_string("importing [").unwrap();
    let (shown, code) = finish(session);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("1000 imported"), "{shown}");
}

/// `setsid` starts the tool in a new session with no controlling terminal, as cron or CI do.
fn without_terminal(s: &Scratch, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = Command::new("setsid");
    cmd.arg("--wait")
        .arg(crate::support::binary())
        .args(args)
        .current_dir(s.dir.path())
        .env_remove("TOKENVAULT_PASSPHRASE")
        .env_remove("TOKENVAULT_PASSPHRASE_COMMAND")
        .env_remove("TOKENVAULT_RECOVERY_KEY")
        .env_remove("TOKENVAULT_KEY_FILE")
        .env_remove("TOKENVAULT_PATH");
    let mut cmd = assert_cmd::Command::from_std(cmd);
    cmd.timeout(Duration::from_secs(60));
    cmd
}

#[test]
fn no_terminal_and_no_passphrase_is_a_clear_error_not_a_hang() {
    let s = Scratch::with_typical();
    for args in [&["list"][..], &["get", "1"]] {
        without_terminal(&s, args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                "error: no passphrase: set TOKENVAULT_PASSPHRASE, pass --passphrase-file PATH, set TOKENVAULT_PASSPHRASE_COMMAND (or --passphrase-command CMD), or run in a terminal to be asked\n",
            );
    }
    let fresh = Scratch::new();
    without_terminal(&fresh, &[&["init"][..], &FAST_KDF].concat())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no passphrase"));
    assert!(!fresh.vault().exists());
}

#[test]
fn rotate_key_shows_a_progress_bar_on_a_terminal() {
    let s = Scratch::new();
    s.import(&compat_file("many.txt"));
    let mut session = spawn(&s, &["rotate-key"], None);
    session.exp_string("Passphrase for tokens.vault: ").unwrap();
    type_hidden(&mut session, PASSPHRASE);
    session.exp_string("re-sealing [").unwrap();
    let (shown, code) = finish(session);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("1000 tokens re-sealed"), "{shown}");
}

/// `list` on a terminal, with or without NO_COLOR; returns what the terminal received, escape
/// codes included.
fn list_on_a_terminal(s: &Scratch, no_color: bool) -> String {
    let mut cmd = Command::new(crate::support::binary());
    cmd.arg("list")
        .current_dir(s.dir.path())
        .env("TOKENVAULT_PASSPHRASE", PASSPHRASE)
        .env("TERM", "xterm-256color")
        .env_remove("TOKENVAULT_PATH")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(60_000))
        .strip_ansi_escape_codes(false);
    let (shown, code) = finish(rexpect::spawn_with_options(cmd, options).unwrap());
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("sales@zylker.com"), "{shown}");
    shown
}

#[test]
fn colour_on_a_terminal_follows_no_color() {
    let s = Scratch::with_typical();
    assert!(list_on_a_terminal(&s, false).contains("\u{1b}["));
    assert!(!list_on_a_terminal(&s, true).contains('\u{1b}'));
}

#[test]
fn a_recovery_key_is_asked_without_echo_and_without_a_terminal_is_a_clear_error() {
    let s = Scratch::new();
    let text = s.init_with_recovery_key();
    let mut session = spawn(&s, &["--recovery-key", "list"], None);
    session
        .exp_string("Recovery key for tokens.vault: ")
        .unwrap();
    type_hidden(&mut session, &text);
    let (shown, code) = finish(session);
    assert_eq!(code, 0, "{shown}");
    assert!(!shown.contains(&text), "the key was echoed: {shown}");
    without_terminal(&s, &["--recovery-key", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no recovery key: set TOKENVAULT_RECOVERY_KEY",
        ));
}
