//! Several processes on one vault file (redb's multi-writer mode): every save is kept, every row
//! stays intact, readers never see a damaged or shrinking state, a held write lock makes others
//! wait and then fail with `Busy`, a killed process leaves no lock behind, and key changes made by
//! one process reach the others.
//!
//! Children are this test binary re-run on one test, in a role (see `crate::common::child`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokenvault::{Error, KdfParams, OpenOptions, SaveOutcome, Vault};

use crate::common::PASSPHRASE;
use crate::common::child::{self, Reporter};
use crate::common::holder::{
    START_TIMEOUT, holder_child, new_vault_file, spawn_holder, touch, wait_for_file,
};
use crate::common::workload::{check_tagged, read_until_stopped, tagged_query, tagged_token};

const WRITERS: usize = 8;
const SAVES_PER_WRITER: usize = 200;
const READERS: usize = 2;

fn spawn(test: &str, role: &str, envs: &[(&str, &str)]) -> Reporter {
    let mut cmd = child::command(test, role);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    Reporter::spawn(cmd)
}

// ---- 8 writers × 200 saves, 2 readers ---------------------------------------------------------

const EIGHT_WRITERS: &str = "eight_processes_saving_at_once_keep_every_row_intact";

#[test]
fn eight_processes_saving_at_once_keep_every_row_intact() {
    match child::role().as_deref() {
        Some("writer") => return writer_child(),
        Some("reader") => return reader_child(),
        _ => {}
    }
    let (dir, path) = new_vault_file();
    let go = dir.path().join("go");
    let stop = dir.path().join("stop");
    let total = (WRITERS * SAVES_PER_WRITER).to_string();
    let vault_path = path.to_str().expect("utf-8 temp path");
    let envs = |extra: (&'static str, String)| {
        vec![
            ("VAULT", vault_path.to_string()),
            ("GO", go.to_str().unwrap().to_string()),
            ("STOP", stop.to_str().unwrap().to_string()),
            ("TOTAL", total.clone()),
            extra,
        ]
    };
    let spawn_role = |role: &str, extra| {
        let envs = envs(extra);
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        spawn(EIGHT_WRITERS, role, &envs)
    };
    let mut readers: Vec<Reporter> = (0..READERS)
        .map(|r| spawn_role("reader", ("READER", r.to_string())))
        .collect();
    let mut writers: Vec<Reporter> = (0..WRITERS)
        .map(|w| spawn_role("writer", ("WRITER", w.to_string())))
        .collect();
    for child in readers.iter_mut().chain(writers.iter_mut()) {
        assert!(
            child.wait_for("ready", START_TIMEOUT).is_some(),
            "a child did not open the vault"
        );
    }
    let start = Instant::now();
    touch(&go);

    let mut reported: BTreeMap<String, String> = BTreeMap::new();
    let mut slowest_save = Duration::ZERO;
    for (w, writer) in writers.into_iter().enumerate() {
        let (status, lines) = writer.finish();
        assert!(status.success(), "writer {w} failed: {status}");
        for line in &lines {
            let mut words = line.split(' ');
            match words.next() {
                Some("saved") => {
                    let (tag, id) = (words.next().unwrap(), words.next().unwrap());
                    assert!(
                        reported.insert(tag.to_string(), id.to_string()).is_none(),
                        "tag {tag} reported twice"
                    );
                }
                Some("done") => {
                    let micros: u64 = words.next().unwrap().parse().unwrap();
                    slowest_save = slowest_save.max(Duration::from_micros(micros));
                }
                _ => {}
            }
        }
    }
    let writing = start.elapsed();
    touch(&stop);
    let mut reads = 0u64;
    for (r, reader) in readers.into_iter().enumerate() {
        let (status, lines) = reader.finish();
        assert!(status.success(), "reader {r} failed: {status}");
        let done = lines.iter().find_map(|l| l.strip_prefix("done ")).unwrap();
        reads += done.parse::<u64>().unwrap();
    }
    assert_eq!(reported.len(), WRITERS * SAVES_PER_WRITER);

    let vault = Vault::open(&path, PASSPHRASE).expect("reopen");
    let tokens = vault.get_tokens().expect("list");
    assert_eq!(tokens.len(), WRITERS * SAVES_PER_WRITER, "rows kept");
    let mut ids = BTreeSet::new();
    for t in &tokens {
        let (tag, version) = check_tagged(t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(version, 0);
        assert_eq!(
            reported.get(&tag),
            t.id.as_ref(),
            "token {tag} is stored under another id than its writer was told"
        );
        assert!(ids.insert(t.id.clone().unwrap()), "duplicate id");
    }
    let report = vault.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.problems);
    println!(
        "{WRITERS} processes × {SAVES_PER_WRITER} saves: {} rows kept of {}, all intact; \
         {reads} full reads by {READERS} reader processes meanwhile; writing took {writing:?}, \
         slowest single save {slowest_save:?}",
        tokens.len(),
        WRITERS * SAVES_PER_WRITER
    );
}

fn writer_child() {
    let writer = child::env("WRITER");
    // A generous wait: this test is about losing nothing, and redb's writer lock is not fair, so
    // on a loaded machine one writer can wait several seconds for its turn.
    let vault = tokenvault::OpenOptions::new()
        .busy_timeout(Duration::from_secs(60))
        .open(child::env("VAULT"), PASSPHRASE)
        .expect("writer opens the vault");
    child::report("ready");
    wait_for_file(Path::new(&child::env("GO")));
    let mut slowest = Duration::ZERO;
    for i in 0..SAVES_PER_WRITER {
        let tag = format!("w{writer}-{i}");
        let mut token = tagged_token(&tag, 0);
        let start = Instant::now();
        let outcome = vault
            .save_token(&mut token)
            .unwrap_or_else(|e| panic!("writer {writer}: save {i} failed: {e}"));
        slowest = slowest.max(start.elapsed());
        assert_eq!(outcome, SaveOutcome::Inserted);
        child::report(format!("saved {tag} {}", token.id.unwrap()));
    }
    child::report(format!("done {}", slowest.as_micros()));
}

/// Lists and checks the whole vault in a loop while the writers run. Every row must be intact,
/// the count may only grow, and a row listed must be found by its user name.
fn reader_child() {
    let total: usize = child::env("TOTAL").parse().unwrap();
    let stop = PathBuf::from(child::env("STOP"));
    let vault = tokenvault::OpenOptions::new()
        .busy_timeout(Duration::from_secs(60))
        .open(child::env("VAULT"), PASSPHRASE)
        .expect("reader opens the vault");
    child::report("ready");
    wait_for_file(Path::new(&child::env("GO")));
    let (reads, last) = read_until_stopped(&vault, &stop);
    assert_eq!(last, total, "the last read did not see every row");
    child::report(format!("done {reads}"));
}

// ---- A held write lock ------------------------------------------------------------------------

const WAITS_THEN_BUSY: &str = "a_writer_waits_for_another_process_then_fails_with_busy";

#[test]
fn a_writer_waits_for_another_process_then_fails_with_busy() {
    if child::role().as_deref() == Some("holder") {
        return holder_child();
    }
    let (dir, path) = new_vault_file();
    let timeout = Duration::from_millis(300);
    let vault = tokenvault::OpenOptions::new()
        .busy_timeout(timeout)
        .open(&path, PASSPHRASE)
        .unwrap();
    let (holder, release) = spawn_holder(WAITS_THEN_BUSY, dir.path(), &path);

    // Readers never wait: they see the last committed state.
    assert_eq!(vault.len().unwrap(), 0);
    let started = Instant::now();
    match vault.save_token(&mut tagged_token("late", 0)) {
        Err(e @ Error::Busy { waited }) => {
            assert!(waited >= timeout, "gave up after {waited:?}");
            assert!(started.elapsed() >= timeout);
            assert!(e.to_string().contains("busy"), "{e}");
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    drop(vault);

    // An open only reads, so it does not wait for the writer; the first write of the handle
    // opens the file for writing, which waits for the writer's lock, bounded the same way.
    let reader = tokenvault::OpenOptions::new()
        .busy_timeout(timeout)
        .open(&path, PASSPHRASE)
        .expect("an open does not wait for another process's write");
    assert_eq!(reader.len().unwrap(), 0);
    let started = Instant::now();
    match reader.save_token(&mut tagged_token("late", 0)) {
        Err(Error::Busy { waited }) => assert!(waited >= timeout && started.elapsed() >= timeout),
        other => panic!("expected Busy from the first write, got {other:?}"),
    }
    drop(reader);

    // With a longer wait, open and save go through once the other process commits.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        touch(&release);
    });
    let started = Instant::now();
    let vault = tokenvault::OpenOptions::new()
        .busy_timeout(Duration::from_secs(30))
        .open(&path, PASSPHRASE)
        .expect("open once the other process commits");
    vault
        .save_token(&mut tagged_token("late", 0))
        .expect("save once the other process commits");
    let waited = started.elapsed();
    releaser.join().unwrap();
    let (status, lines) = holder.finish();
    assert!(status.success() && lines.iter().any(|l| l == "committed"));
    assert!(
        waited >= Duration::from_millis(200),
        "open and save did not wait for the holder"
    );
    let tags: BTreeSet<String> = vault
        .get_tokens()
        .unwrap()
        .iter()
        .map(|t| check_tagged(t).unwrap().0)
        .collect();
    let expected: BTreeSet<String> = ["held-0", "held-1", "held-2", "late"]
        .map(String::from)
        .into();
    assert_eq!(tags, expected);
}

const KILLED_HOLDER: &str = "a_process_killed_while_writing_leaves_no_lock_and_no_partial_write";

#[test]
fn a_process_killed_while_writing_leaves_no_lock_and_no_partial_write() {
    if child::role().as_deref() == Some("holder") {
        return holder_child();
    }
    let (dir, path) = new_vault_file();
    {
        let vault = Vault::open(&path, PASSPHRASE).unwrap();
        vault.save_token(&mut tagged_token("before", 0)).unwrap();
    }
    let (mut holder, _release) = spawn_holder(KILLED_HOLDER, dir.path(), &path);
    holder.kill();
    let (status, _) = holder.finish();
    assert!(!status.success());

    let vault = tokenvault::OpenOptions::new()
        .busy_timeout(Duration::from_secs(2))
        .open(&path, PASSPHRASE)
        .expect("open after the writer died");
    let started = Instant::now();
    vault
        .save_token(&mut tagged_token("after", 0))
        .expect("the dead process's lock is gone");
    println!(
        "first save after a writer was killed mid-transaction took {:?}",
        started.elapsed()
    );
    let tags: Vec<String> = vault
        .get_tokens()
        .unwrap()
        .iter()
        .map(|t| check_tagged(t).unwrap().0)
        .collect();
    assert_eq!(tags, ["before", "after"], "the killed import left rows");
    assert!(vault.verify().unwrap().is_ok());
}

// ---- Key changes by another process ------------------------------------------------------------

const ROTATION: &str = "a_data_key_rotation_by_another_process_is_picked_up";

#[test]
fn a_data_key_rotation_by_another_process_is_picked_up() {
    if child::role().as_deref() == Some("rotator") {
        let vault = Vault::open(child::env("VAULT"), PASSPHRASE).unwrap();
        vault.rotate_data_key().expect("rotate");
        child::report("rotated");
        return;
    }
    let (_dir, path) = new_vault_file();
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    for i in 0..20 {
        vault
            .save_token(&mut tagged_token(&format!("r{i}"), 0))
            .unwrap();
    }
    let before = vault.get_tokens().unwrap();
    let generation = vault.info().unwrap().generation;
    let (status, lines) = spawn(ROTATION, "rotator", &[("VAULT", path.to_str().unwrap())]).finish();
    assert!(
        status.success() && lines.iter().any(|l| l == "rotated"),
        "{status} {lines:?}"
    );

    // This handle's cached keys are stale; the next operations must follow the new header.
    assert_eq!(vault.get_tokens().unwrap(), before);
    assert_eq!(
        vault.find_token(&tagged_query("r7")).unwrap().as_ref(),
        Some(&before[7])
    );
    vault.save_token(&mut tagged_token("r20", 0)).unwrap();
    assert!(vault.info().unwrap().generation > generation + 1);
    assert!(vault.verify().unwrap().is_ok());
    drop(vault);
    let reopened = Vault::open(&path, PASSPHRASE).unwrap();
    assert_eq!(reopened.len().unwrap(), 21);
    assert!(reopened.verify().unwrap().is_ok());
}

const PASSPHRASE_CHANGE: &str = "a_passphrase_change_by_another_process_gives_key_changed";

#[test]
fn a_passphrase_change_by_another_process_gives_key_changed() {
    if child::role().as_deref() == Some("changer") {
        let vault = OpenOptions::insecure_for_tests()
            .open(child::env("VAULT"), PASSPHRASE)
            .unwrap();
        vault
            .change_passphrase("the new one", None)
            .expect("change");
        child::report("changed");
        return;
    }
    let (_dir, path) = new_vault_file();
    let vault = Vault::open(&path, PASSPHRASE).unwrap();
    vault.save_token(&mut tagged_token("k", 0)).unwrap();
    let (status, lines) = spawn(
        PASSPHRASE_CHANGE,
        "changer",
        &[("VAULT", path.to_str().unwrap())],
    )
    .finish();
    assert!(status.success() && lines.iter().any(|l| l == "changed"));

    assert!(matches!(
        vault.find_token(&tagged_query("k")),
        Err(Error::KeyChanged)
    ));
    assert!(matches!(
        vault.save_token(&mut tagged_token("k2", 0)),
        Err(Error::KeyChanged)
    ));
    drop(vault);
    assert!(matches!(
        Vault::open(&path, PASSPHRASE),
        Err(Error::WrongPassphrase)
    ));
    let reopened = Vault::open(&path, "the new one").unwrap();
    let tags: Vec<String> = reopened
        .get_tokens()
        .unwrap()
        .iter()
        .map(|t| check_tagged(t).unwrap().0)
        .collect();
    assert_eq!(tags, ["k"], "the refused save must not have been stored");
}

// ---- Cost per operation: one long-lived handle, or an open per operation ------------------------

/// Median and mean of `samples`.
fn summary(samples: &mut [Duration]) -> String {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    format!(
        "median {:>9.3} ms, mean {:>9.3} ms",
        samples[samples.len() / 2].as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3
    )
}

fn timed(n: usize, mut op: impl FnMut(usize)) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            let started = Instant::now();
            op(i);
            started.elapsed()
        })
        .collect()
}

/// Prints what one operation costs through a handle kept open (the library's design: each process
/// opens once, derives its key once, and shares the handle between threads) against opening the
/// vault for every operation. Run it with
/// `cargo test --release --test reliability -- --ignored --nocapture cost`.
#[test]
#[ignore = "a measurement, not a test: prints figures (see docs/RELIABILITY.md)"]
fn cost_per_operation_of_a_long_lived_handle_and_of_an_open_per_operation() {
    const N: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cost.vault");
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, PASSPHRASE)
        .unwrap();
    vault
        .import((0..1000).map(|i| tagged_token(&format!("base{i}"), 0)))
        .unwrap();

    let mut held_save = timed(N, |i| {
        vault
            .save_token(&mut tagged_token(&format!("held{i}"), 0))
            .unwrap();
    });
    let mut held_find = timed(N, |i| {
        assert!(
            vault
                .find_token(&tagged_query(&format!("base{}", i * 5)))
                .unwrap()
                .is_some()
        );
    });
    drop(vault);
    // The open itself with the tiny test KDF: what a process pays besides key derivation.
    let mut open_save = timed(N, |i| {
        let vault = Vault::open(&path, PASSPHRASE).unwrap();
        vault
            .save_token(&mut tagged_token(&format!("reopened{i}"), 0))
            .unwrap();
    });
    let mut open_find = timed(N, |i| {
        let vault = Vault::open(&path, PASSPHRASE).unwrap();
        assert!(
            vault
                .find_token(&tagged_query(&format!("base{}", i * 5)))
                .unwrap()
                .is_some()
        );
    });
    // With the default (production) key derivation, every open pays Argon2id once more.
    let strong = dir.path().join("strong.vault");
    drop(Vault::create(&strong, PASSPHRASE, KdfParams::default()).unwrap());
    let mut open_default_kdf = timed(5, |_| {
        drop(Vault::open(&strong, PASSPHRASE).unwrap());
    });
    println!("cost per operation, {N} operations on a vault of 1000+ tokens:");
    println!(
        "  long-lived handle, save_token:          {}",
        summary(&mut held_save)
    );
    println!(
        "  long-lived handle, find_token:          {}",
        summary(&mut held_find)
    );
    println!(
        "  open per operation, open + save_token:  {}",
        summary(&mut open_save)
    );
    println!(
        "  open per operation, open + find_token:  {}",
        summary(&mut open_find)
    );
    println!(
        "  open with the default KDF (64 MiB, t=3, p=4), alone: {}",
        summary(&mut open_default_kdf)
    );
}
