//! Reads write nothing (docs/RELIABILITY.md §Reads write nothing): an open reads the file
//! through a read-only view, and a handle opens the file for writing only at its first write.
//! Every read call leaves the vault's bytes as they were and makes no sync call; a handle that
//! opened for reading and then writes makes that write durable, and the next open sees it, even
//! when the process is killed right after the write returned.

use std::path::Path;
use std::time::Duration;

use tokenvault::{OpenOptions, Vault};

use crate::common::PASSPHRASE;
use crate::common::child::{self, Reporter};
use crate::common::syncs::{run_traced, strace_available};
use crate::common::workload::{tagged_query, tagged_token};

fn three_token_vault(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("reads.vault");
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, PASSPHRASE)
        .unwrap();
    for tag in ["r0", "r1", "r2"] {
        vault.save_token(&mut tagged_token(tag, 0)).unwrap();
    }
    path
}

/// Every call of the public API that only reads, on the vault at `path`.
fn read_everything(path: &Path) {
    let info = Vault::inspect(path).unwrap();
    assert_eq!(info.token_count, 3);
    let vault = Vault::open(path, PASSPHRASE).unwrap();
    assert_eq!(vault.get_tokens().unwrap().len(), 3);
    assert_eq!(vault.len().unwrap(), 3);
    assert!(!vault.is_empty().unwrap());
    let found = vault.find_token(&tagged_query("r1")).unwrap().unwrap();
    let id = found.id.clone().unwrap();
    assert_eq!(vault.find_token_by_id(&id).unwrap(), found);
    assert_eq!(vault.info().unwrap().token_count, 3);
    assert!(!vault.slots().unwrap().is_empty());
    assert!(vault.refresh_leases().unwrap().is_empty());
    assert!(vault.verify().unwrap().is_ok());
    drop(vault);
}

#[test]
fn every_read_call_leaves_the_vault_bytes_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = three_token_vault(dir.path());
    let before = std::fs::read(&path).unwrap();
    read_everything(&path);
    // Compared whole, shown only as "changed": the bytes are a vault's.
    assert!(
        std::fs::read(&path).unwrap() == before,
        "a read changed the vault"
    );
}

const NO_SYNC: &str = "every_read_call_makes_no_sync_call";

#[test]
fn every_read_call_makes_no_sync_call() {
    if child::role().as_deref() == Some("reader") {
        read_everything(Path::new(&child::env("VAULT")));
        child::report("read");
        return;
    }
    if let Some(reason) = strace_available() {
        println!("skipped: {reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = three_token_vault(dir.path());
    let mut cmd = child::command(NO_SYNC, "reader");
    cmd.env("VAULT", &path);
    let (output, traced) = run_traced(&cmd, b"", &dir.path().join("strace.log"));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && said.contains("@@ read"),
        "the reader failed: {said}"
    );
    assert_eq!(traced.syncs, 0, "the reads synced");
}

const FIRST_WRITE: &str = "a_first_write_after_reads_is_durable_and_the_next_open_sees_it";

#[test]
fn a_first_write_after_reads_is_durable_and_the_next_open_sees_it() {
    if child::role().as_deref() == Some("writer") {
        let vault = Vault::open(Path::new(&child::env("VAULT")), PASSPHRASE).unwrap();
        assert_eq!(vault.len().unwrap(), 3);
        vault.save_token(&mut tagged_token("w", 0)).unwrap();
        child::report("saved");
        // Killed here, the handle still open: no clean close runs.
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = three_token_vault(dir.path());

    // In this process: reads, then a write through the same handle, then a new open.
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    assert!(vault.find_token(&tagged_query("w")).unwrap().is_none());
    let mut written = tagged_token("w", 0);
    vault.save_token(&mut written).unwrap();
    let id = written.id.clone().unwrap();
    drop(vault);
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    assert_eq!(vault.find_token_by_id(&id).unwrap(), written);
    vault.delete_token(&id).unwrap();
    drop(vault);

    // In a process killed right after its first write returned.
    let mut cmd = child::command(FIRST_WRITE, "writer");
    cmd.env("VAULT", &path);
    let mut writer = Reporter::spawn(cmd);
    let saved = writer.wait_for("saved", Duration::from_secs(60));
    writer.kill();
    let _ = writer.finish();
    assert!(saved.is_some(), "the writer did not save");
    // The open after an unclean shutdown recovers the file (redb's recovery) and sees the write.
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    assert!(vault.find_token(&tagged_query("w")).unwrap().is_some());
    assert_eq!(vault.len().unwrap(), 4);
    assert!(vault.verify().unwrap().is_ok());
    drop(vault);
    // Recovered, the file is clean again: reads write nothing.
    let before = std::fs::read(&path).unwrap();
    read_after_recovery(&path);
    assert!(
        std::fs::read(&path).unwrap() == before,
        "a read changed the vault"
    );
}

fn read_after_recovery(path: &Path) {
    let vault = Vault::open(path, PASSPHRASE).unwrap();
    assert_eq!(vault.get_tokens().unwrap().len(), 4);
}

/// FORMAT.md §Container: a second reader opens the file read-only in redb's multi-writer mode,
/// beside which tokenvault reads and writes as usual; redb's default read-only open (its
/// exclusive mode) locks every tokenvault write out while it is open.
#[test]
fn a_second_reader_in_multi_writer_mode_locks_no_writer_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = three_token_vault(dir.path());
    let vault = Vault::open(&path, PASSPHRASE).unwrap();

    let mut builder = redb::Database::builder();
    builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
    let reader = builder.open_read_only(&path).unwrap();
    vault.save_token(&mut tagged_token("beside", 0)).unwrap();
    {
        use redb::ReadableDatabase;
        let txn = reader.begin_read().unwrap();
        let records: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("records");
        use redb::ReadableTableMetadata;
        // The reader sees the commit made while it was open.
        assert_eq!(txn.open_table(records).unwrap().len().unwrap(), 4);
    }
    drop(reader);
    // redb's default read-only open cannot open the file while tokenvault has it open for
    // writing (the save above opened it so).
    assert!(matches!(
        redb::ReadOnlyDatabase::open(&path),
        Err(redb::DatabaseError::DatabaseAlreadyOpen)
    ));
    drop(vault);

    // redb's default read-only open: tokenvault still reads, and every write is refused.
    let exclusive = redb::ReadOnlyDatabase::open(&path).unwrap();
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    assert_eq!(vault.len().unwrap(), 4);
    match vault.save_token(&mut tagged_token("refused", 0)) {
        Err(tokenvault::Error::AlreadyOpen) => {}
        other => panic!("expected AlreadyOpen beside an exclusive-mode reader, got {other:?}"),
    }
    drop(exclusive);
    vault.save_token(&mut tagged_token("after", 0)).unwrap();
}

const SEES_COMMITS: &str = "a_read_sees_another_process_commit_at_once";

/// A shared-mode read reuses its snapshot while the file is unchanged (engines/redb/snapshot.rs):
/// a commit of another process, made while this one reads every millisecond (so that its
/// snapshot never goes idle), is seen by the next read.
#[test]
fn a_read_sees_another_process_commit_at_once() {
    if child::role().as_deref() == Some("committer") {
        let vault = Vault::open(Path::new(&child::env("VAULT")), PASSPHRASE).unwrap();
        let tag = child::env("TAG");
        vault.save_token(&mut tagged_token(&tag, 0)).unwrap();
        child::report("saved");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = three_token_vault(dir.path());
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    for round in 0..5u64 {
        // Read twice: the second read reuses the snapshot of the first.
        assert_eq!(vault.len().unwrap(), 3 + round);
        assert_eq!(vault.len().unwrap(), 3 + round);
        let mut cmd = child::command(SEES_COMMITS, "committer");
        cmd.env("VAULT", &path).env("TAG", format!("c{round}"));
        let mut committer = Reporter::spawn(cmd);
        // Reads all along keep the snapshot in use, so only the header check can renew it.
        while committer.child.try_wait().unwrap().is_none() {
            assert!(vault.len().unwrap() >= 3 + round);
            std::thread::sleep(Duration::from_millis(1));
        }
        let (status, lines) = committer.finish();
        assert!(status.success() && lines.iter().any(|l| l == "saved"));
        assert_eq!(vault.len().unwrap(), 4 + round, "a read missed a commit");
        assert!(
            vault
                .find_token(&tagged_query(&format!("c{round}")))
                .unwrap()
                .is_some()
        );
    }
}

/// `verify` runs redb's integrity check on a copy of the file in memory: damage that the vault's
/// reads do not meet (a page no lookup reads) but redb's check finds is reported, and the file is
/// not written.
#[test]
fn verify_reports_a_page_that_fails_its_checksum_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = three_token_vault(dir.path());
    let clean = std::fs::read(&path).unwrap();
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    assert!(vault.verify().unwrap().is_ok());
    drop(vault);

    // A flip that redb's own check rejects and that the vault's reads do not meet.
    let copy = dir.path().join("copy.vault");
    let redb_rejects = |bytes: &[u8]| {
        std::fs::write(&copy, bytes).unwrap();
        let mut builder = redb::Database::builder();
        builder.set_check_integrity_on_open(true);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            builder.open(&copy).is_err()
        }))
        .unwrap_or(true)
    };
    let damaged = (4096..clean.len())
        .step_by(97)
        .map(|at| {
            let mut bytes = clean.clone();
            bytes[at] ^= 0x40;
            bytes
        })
        .find(|bytes| {
            redb_rejects(bytes) && {
                std::fs::write(&path, bytes).unwrap();
                // The vault's own reads do not meet it (verify's walk returns a report).
                Vault::open(&path, PASSPHRASE).is_ok_and(|vault| vault.verify().is_ok())
            }
        })
        .expect("a flip that redb's check rejects and the vault's reads do not meet");
    std::fs::write(&path, &damaged).unwrap();
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    let report = vault.verify().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("storage engine")),
        "{:?}",
        report.problems
    );
    drop(vault);
    assert!(
        std::fs::read(&path).unwrap() == damaged,
        "verify wrote the file"
    );
}
