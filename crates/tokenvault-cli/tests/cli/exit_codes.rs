//! Every documented exit code, each produced by the real condition: a missing token (1), bad
//! usage (2), a wrong passphrase (3), a record changed behind the vault's back (4), a write
//! transaction held by another process (5), and a closed pipe (quiet 0).

use std::io::Read;
use std::process::Stdio;

use crate::support::{Scratch, compat_file};
use predicates::prelude::*;
use redb::ReadableTable;

/// The vault's record table, as the storage engine names it (FORMAT.md §Tables).
const RECORDS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("records");

/// Opens the vault file with redb itself, as another process would, in the mode the vault uses.
fn open_raw(path: &std::path::Path) -> redb::Database {
    let mut builder = redb::Database::builder();
    builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
    builder.open(path).expect("open the vault file with redb")
}

#[test]
fn exit_0_on_success() {
    let s = Scratch::with_typical();
    s.cmd().arg("list").assert().code(0);
}

#[test]
fn exit_1_when_get_or_find_finds_nothing() {
    let s = Scratch::with_typical();
    s.cmd().args(["get", "404"]).assert().code(1);
    s.cmd()
        .arg("find")
        .write_stdin(r#"{"user_name": "nobody@zylker.com"}"#)
        .assert()
        .code(1);
}

#[test]
fn exit_2_on_usage_errors_with_one_clear_sentence() {
    let s = Scratch::with_typical();
    s.cmd().assert().code(2);
    s.cmd().arg("frobnicate").assert().code(2);
    s.cmd()
        .args(["--busy-timeout", "soon", "list"])
        .assert()
        .code(2);
    s.cmd()
        .args(["--vault", "elsewhere.vault", "list"])
        .assert()
        .code(2)
        .stderr("error: no vault at elsewhere.vault; create one with `tokenvault init` or `tokenvault import --create FILE`, or point --vault / TOKENVAULT_PATH at yours\n");
    let not_a_vault = s.file("notes.txt", "not a vault");
    s.cmd()
        .arg("--vault")
        .arg(&not_a_vault)
        .arg("list")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a tokenvault vault"));
}

#[test]
fn a_passphrase_is_never_accepted_on_the_command_line() {
    let s = Scratch::with_typical();
    for args in [
        &["--passphrase", "hunter2", "list"][..],
        &["--passphrase=hunter2", "list"],
        &["list", "--passphrase", "hunter2"],
    ] {
        s.bare()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "unexpected argument '--passphrase'",
            ))
            .stderr(predicate::str::contains("hunter2").not());
    }
}

#[test]
fn exit_3_on_a_wrong_passphrase_and_the_file_is_untouched() {
    let s = Scratch::with_typical();
    let before = std::fs::read(s.vault()).unwrap();
    for args in [
        &["list"][..],
        &["save"],
        &["rotate-key"],
        &["info", "--unlock"],
    ] {
        s.bare()
            .env("TOKENVAULT_PASSPHRASE", "not the passphrase")
            .args(args)
            .write_stdin(r#"{"user_name": "x", "access_token": "y"}"#)
            .assert()
            .code(3)
            .stdout("")
            .stderr(predicate::str::contains("wrong passphrase"))
            .stderr(predicate::str::contains("TOKENVAULT_PASSPHRASE"));
    }
    assert!(std::fs::read(s.vault()).unwrap() == before);
}

/// Flips one ciphertext bit of record `id` through the storage engine, as someone with write
/// access to the file but not the key could.
fn tamper_with_record(vault: &std::path::Path, id: u64) {
    let db = open_raw(vault);
    let txn = db.begin_write().unwrap();
    {
        let mut records = txn.open_table(RECORDS).unwrap();
        let mut sealed = records.get(id).unwrap().expect("record").value().to_vec();
        let middle = sealed.len() / 2;
        sealed[middle] ^= 0x01;
        records.insert(id, sealed.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

/// A version-2 header written from docs/FORMAT.md §Header, version 2 alone: one passphrase slot
/// per `(memory_kib, iterations, parallelism)`, with a correct checksum. Its sealed values are
/// zeros: the caps are checked before any of them is opened.
fn header_with_passphrase_slots(kdfs: &[(u32, u32, u32)]) -> Vec<u8> {
    use blake2::Digest;
    let mut header = b"TKNVAULT".to_vec();
    header.extend(2u16.to_le_bytes());
    header.extend([7u8; 16]);
    header.extend(1_764_000_000u64.to_le_bytes());
    header.push(u8::try_from(kdfs.len()).unwrap());
    for (i, (memory_kib, iterations, parallelism)) in kdfs.iter().enumerate() {
        let name = format!("p{i}");
        header.extend([1, u8::try_from(name.len()).unwrap()]);
        header.extend(name.as_bytes());
        header.extend(1_764_000_000u64.to_le_bytes());
        header.push(1);
        for n in [memory_kib, iterations, parallelism] {
            header.extend(n.to_le_bytes());
        }
        header.extend([0u8; 16 + 60 + 32 + 60 + 60]);
    }
    let checksum = blake2::Blake2b256::digest(&header);
    header.extend(checksum);
    header
}

/// Replaces the vault's header through the storage engine.
fn replace_header(vault: &std::path::Path, header: &[u8]) {
    const HEADER: redb::TableDefinition<&str, &[u8]> =
        redb::TableDefinition::new("tokenvault_header");
    let db = open_raw(vault);
    let txn = db.begin_write().unwrap();
    txn.open_table(HEADER)
        .unwrap()
        .insert("header", header)
        .unwrap();
    txn.commit().unwrap();
}

#[test]
fn exit_2_not_4_for_a_header_over_the_kdf_caps_which_is_a_refusal_not_damage() {
    let s = Scratch::with_typical();
    // One slot over the per-slot cap (1 GiB × 5 passes), then five slots each at the cap
    // (1 GiB × 4 passes) that together ask for more than four times it.
    let one_over = header_with_passphrase_slots(&[(1 << 20, 5, 1)]);
    let five_at_cap = header_with_passphrase_slots(&[(1 << 20, 4, 1); 5]);
    for (header, says) in [
        (one_over, "KDF cost over the cap"),
        (five_at_cap, "the passphrase slots together ask for"),
    ] {
        replace_header(&s.vault(), &header);
        s.cmd()
            .arg("list")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("corrupted").not());
    }
}

#[test]
fn exit_4_on_a_tampered_record_and_verify_reports_it() {
    let s = Scratch::with_typical();
    tamper_with_record(&s.vault(), 2);
    s.cmd()
        .args(["get", "2"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(predicate::str::contains("corrupted or was tampered with"))
        .stderr(predicate::str::contains("tokenvault verify"));
    s.cmd().arg("list").assert().code(4);
    s.cmd().args(["get", "1"]).assert().success();
    s.cmd()
        .arg("verify")
        .assert()
        .code(4)
        .stdout(predicate::str::contains("2 records decrypted"))
        .stdout(predicate::str::contains(
            "problem: the vault is corrupted or was tampered with: record 2 failed authentication",
        ))
        .stderr(predicate::str::contains("failed verification"));
    let out = s.cmd().args(["--json", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let report = crate::support::json_of(&out.stdout);
    assert_eq!(report["ok"], false);
    assert_eq!(report["records_ok"], 2);
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p
            .as_str()
            .unwrap()
            .contains("record 2 failed authentication")),
        "{report}"
    );
}

#[test]
fn exit_5_when_another_process_holds_the_vault_past_the_wait() {
    let s = Scratch::with_typical();
    let db = open_raw(&s.vault());
    // A real write transaction, held by this (test) process: the CLI runs as another process.
    let held = db.begin_write().unwrap();
    s.cmd()
        .args(["--busy-timeout", "0.3", "save"])
        .write_stdin(r#"{"user_name": "new@zylker.com", "access_token": "1000.at.new"}"#)
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains("tokens.vault is busy"))
        .stderr(predicate::str::contains("--busy-timeout"));
    s.cmd()
        .args(["--busy-timeout", "0.3", "delete", "1"])
        .assert()
        .code(5);
    // Opening waits for the writer too (redb takes its writer lock at open), so a read-only
    // command is bounded by the same wait.
    s.cmd()
        .args(["--busy-timeout", "0.3", "list"])
        .assert()
        .code(5);
    held.abort().unwrap();
    s.cmd()
        .args(["--busy-timeout", "0.3", "save"])
        .write_stdin(r#"{"user_name": "new@zylker.com", "access_token": "1000.at.new"}"#)
        .assert()
        .success()
        .stdout("4\n");
    s.cmd().args(["get", "1"]).assert().success();
}

/// Runs `tokenvault ARGS` with its stdout closed before it writes: it must exit 0, silently.
fn assert_quiet_on_closed_pipe(s: &Scratch, args: &[&str]) {
    let mut child = std::process::Command::new(crate::support::binary())
        .current_dir(s.dir.path())
        .env("TOKENVAULT_PASSPHRASE", crate::support::PASSPHRASE)
        .env_remove("TOKENVAULT_PATH")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{args:?}: {stderr}"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let s = Scratch::new();
    s.import(&compat_file("many.txt"));
    for args in [
        &["list"][..],
        &["list", "--reveal"],
        &["--json", "list"],
        &["get", "1"],
        &["info"],
        &["completions", "bash"],
        &["export", "-"],
    ] {
        assert_quiet_on_closed_pipe(&s, args);
    }
}
