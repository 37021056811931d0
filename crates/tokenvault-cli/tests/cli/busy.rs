//! The command against a vault another process is writing: it waits for the writer up to
//! `--busy-timeout`, then succeeds or exits with the documented busy code (5); a vault held alone
//! refuses it with a sentence saying why.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use tokenvault::{Error, Vault};

use crate::common::PASSPHRASE;
use crate::common::child;
use crate::common::holder::{holder_child, new_vault_file, spawn_holder, touch};
use crate::common::workload::{tagged_query, tagged_token};

const CLI_WAITS: &str = "the_cli_waits_for_a_writing_process_then_succeeds_or_exits_busy";

/// Runs `tokenvault save` on `path` with a token on stdin; exit code, stdout, stderr, duration.
fn cli_save(path: &Path, busy_timeout: &str, tag: &str) -> (Option<i32>, String, String, Duration) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let started = Instant::now();
    let mut cli = Command::new(env!("CARGO_BIN_EXE_tokenvault"))
        .args([
            "--vault",
            path.to_str().unwrap(),
            "--busy-timeout",
            busy_timeout,
            "save",
        ])
        .env("TOKENVAULT_PASSPHRASE", PASSPHRASE)
        .env_remove("TOKENVAULT_PATH")
        .env_remove("TOKENVAULT_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the tokenvault binary");
    let json =
        format!(r#"{{"user_name": "{tag}@zylker.com", "refresh_token": "1000.refresh.{tag}"}}"#);
    cli.stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let out = cli.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn the_cli_waits_for_a_writing_process_then_succeeds_or_exits_busy() {
    if child::role().as_deref() == Some("holder") {
        return holder_child();
    }
    let (dir, path) = new_vault_file();
    let (holder, release) = spawn_holder(CLI_WAITS, dir.path(), &path);

    // The documented busy exit code, once the wait given runs out.
    let (code, _, stderr, took) = cli_save(&path, "0.5", "cli-busy");
    assert_eq!(code, Some(5), "stderr: {stderr}");
    assert!(stderr.contains("busy"), "{stderr}");
    assert!(took >= Duration::from_millis(500), "gave up after {took:?}");

    // With a longer wait it goes through once the other process commits.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        touch(&release);
    });
    let (code, stdout, stderr, took) = cli_save(&path, "30", "cli-late");
    releaser.join().unwrap();
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(took >= Duration::from_millis(300), "did not wait: {took:?}");
    let (status, lines) = holder.finish();
    assert!(status.success() && lines.iter().any(|l| l == "committed"));

    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    let names: BTreeSet<String> = vault
        .get_tokens()
        .unwrap()
        .iter()
        .filter_map(|t| t.user_name.clone())
        .collect();
    assert!(names.contains("cli-late@zylker.com"));
    assert!(
        !names.contains("cli-busy@zylker.com"),
        "the busy save stored a token"
    );
    assert_eq!(names.len(), 4, "{names:?}");
    let id = stdout.split_whitespace().find(|w| w.parse::<u64>().is_ok());
    assert!(id.is_some(), "save printed no id: {stdout}");
}

#[test]
fn a_vault_held_alone_refuses_every_other_open_until_dropped() {
    let (_dir, path) = new_vault_file();
    let alone = tokenvault::OpenOptions::new()
        .single_process(true)
        .open(&path, PASSPHRASE)
        .unwrap();
    let mut token = tagged_token("alone", 1);
    alone.save_token(&mut token).unwrap();
    assert_eq!(
        alone.find_token(&tagged_query("alone")).unwrap(),
        Some(token.clone())
    );

    // Another process: the CLI's documented busy code, with a sentence saying why.
    let (code, _, stderr, _) = cli_save(&path, "0.5", "refused");
    assert_eq!(code, Some(5), "stderr: {stderr}");
    assert!(stderr.contains("for itself alone"), "{stderr}");
    // This process, in the shared mode: refused too, and nothing changed.
    assert!(matches!(
        Vault::open(&path, PASSPHRASE),
        Err(Error::AlreadyOpen)
    ));
    assert_eq!(alone.get_tokens().unwrap(), vec![token.clone()]);

    drop(alone);
    let (code, _, stderr, _) = cli_save(&path, "0.5", "after");
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let shared = Vault::open(&path, PASSPHRASE).unwrap();
    let names: Vec<Option<String>> = shared
        .get_tokens()
        .unwrap()
        .into_iter()
        .map(|t| t.user_name)
        .collect();
    assert_eq!(
        names,
        [token.user_name.clone(), Some("after@zylker.com".into())]
    );
}
