//! Many writers on one server vault, as several hosts would be: 8 processes × 200 `save_token`
//! keep every row intact under its own id, and 8 threads × 1000 mixed operations on one handle
//! end exactly where each thread's serial run would. The workloads are the file engine's
//! (`crate::common::workload`, `crate::common::mixed`), so every engine is held to the same
//! result.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokenvault::{Location, SaveOutcome, Vault};

use crate::common::PASSPHRASE;
use crate::common::child::{self, Reporter};
use crate::common::mixed::{Model, OPS_PER_THREAD, own_tokens, run_threads};
use crate::common::rng::Rng;
use crate::common::server::ServerDb;
use crate::common::workload::{check_tagged, read_until_stopped, tagged_token};

const WRITERS: usize = 8;
const SAVES_PER_WRITER: usize = 200;
const THREADS: usize = 8;
const START_TIMEOUT: Duration = Duration::from_secs(60);

const EIGHT_WRITERS: &str = "eight_processes_saving_through_the_server_keep_every_row_intact";

pub fn eight_processes_saving_through_the_server_keep_every_row_intact<D: ServerDb>() {
    match child::role().as_deref() {
        Some("writer") => return writer_child(),
        Some("reader") => return reader_child(),
        _ => {}
    }
    let Some(db) = D::new("eightprocs") else {
        return;
    };
    drop(db.create_vault());
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let stop = dir.path().join("stop");
    let spawn = |role: &str, n: usize| {
        let mut cmd = child::command(EIGHT_WRITERS, role);
        cmd.env("VAULT_URL", db.url())
            .env("GO", &go)
            .env("STOP", &stop)
            .env("N", n.to_string());
        Reporter::spawn(cmd)
    };
    let mut reader = spawn("reader", 0);
    let mut writers: Vec<Reporter> = (0..WRITERS).map(|w| spawn("writer", w)).collect();
    for child in writers.iter_mut().chain(std::iter::once(&mut reader)) {
        assert!(
            child.wait_for("ready", START_TIMEOUT).is_some(),
            "a child did not open the vault"
        );
    }
    let start = Instant::now();
    std::fs::write(&go, b"").unwrap();

    let mut reported: BTreeMap<String, String> = BTreeMap::new();
    for (w, writer) in writers.into_iter().enumerate() {
        let (status, lines) = writer.finish();
        assert!(status.success(), "writer {w} failed: {status}");
        for line in &lines {
            let mut words = line.split(' ');
            if words.next() == Some("saved") {
                let (tag, id) = (words.next().unwrap(), words.next().unwrap());
                assert!(
                    reported.insert(tag.to_string(), id.to_string()).is_none(),
                    "tag {tag} reported twice"
                );
            }
        }
    }
    let writing = start.elapsed();
    std::fs::write(&stop, b"").unwrap();
    let (status, lines) = reader.finish();
    assert!(status.success(), "the reader failed: {status}");
    let reads: u64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("done "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(reported.len(), WRITERS * SAVES_PER_WRITER);

    let vault = db.open_vault();
    let tokens = vault.get_tokens().unwrap();
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
    // Ids were handed out without a gap or a repeat, whatever the interleaving.
    let numeric: BTreeSet<u64> = ids.iter().map(|id| id.parse().unwrap()).collect();
    assert_eq!(
        numeric,
        (1..=(WRITERS * SAVES_PER_WRITER) as u64).collect(),
        "ids 1..=1600"
    );
    let report = vault.verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    println!(
        "{WRITERS} processes × {SAVES_PER_WRITER} saves through the server: {} rows kept of {}, \
         all intact, ids 1..={}; {reads} full reads by a reader process meanwhile; writing took \
         {writing:?}",
        tokens.len(),
        WRITERS * SAVES_PER_WRITER,
        WRITERS * SAVES_PER_WRITER
    );
}

fn open_child_vault() -> Vault {
    Vault::open(Location::parse(child::env("VAULT_URL")), PASSPHRASE)
        .expect("child opens the server vault")
}

fn wait_for_file(path: &Path) {
    while !path.exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn writer_child() {
    let writer = child::env("N");
    let vault = open_child_vault();
    child::report("ready");
    wait_for_file(Path::new(&child::env("GO")));
    for i in 0..SAVES_PER_WRITER {
        let tag = format!("w{writer}-{i}");
        let mut token = tagged_token(&tag, 0);
        let outcome = vault
            .save_token(&mut token)
            .unwrap_or_else(|e| panic!("writer {writer}: save {i} failed: {e}"));
        assert_eq!(outcome, SaveOutcome::Inserted);
        child::report(format!("saved {tag} {}", token.id.unwrap()));
    }
}

/// Lists and checks the whole vault while the writers run: every row intact, the count only
/// grows, and a listed row is found by its user name.
fn reader_child() {
    let stop = child::env("STOP");
    let vault = open_child_vault();
    child::report("ready");
    wait_for_file(Path::new(&child::env("GO")));
    let (reads, last) = read_until_stopped(&vault, Path::new(&stop));
    assert_eq!(
        last,
        WRITERS * SAVES_PER_WRITER,
        "the last read saw every row"
    );
    child::report(format!("done {reads}"));
}

pub fn eight_threads_of_mixed_operations_on_the_server_end_where_serial_runs_would<D: ServerDb>() {
    let Some(db) = D::new("eightthreads") else {
        return;
    };
    let seed = Rng::seed_from_env();
    println!("seed {seed} (set TOKENVAULT_TEST_SEED to replay)");
    let vault = Arc::new(db.create_vault());
    let models: Vec<Model> = run_threads(vault.clone(), THREADS, seed);
    let check = |vault: &Vault| {
        let tokens = vault.get_tokens().unwrap();
        let expected: usize = models.iter().map(|m| m.live.len()).sum();
        assert_eq!(tokens.len(), expected, "tokens that belong to no thread");
        for (me, model) in models.iter().enumerate() {
            assert_eq!(own_tokens(&tokens, me), model.live, "thread {me}'s tokens");
        }
        let ids: BTreeSet<_> = tokens.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids.len(), tokens.len(), "duplicate id");
        let report = vault.verify().unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
        tokens.len()
    };
    let kept = check(&vault);
    drop(vault);
    assert_eq!(check(&db.open_vault()), kept);
    println!(
        "{THREADS} threads × {OPS_PER_THREAD} operations on the server: {kept} tokens at the end, \
         each thread's exactly as its serial run leaves them"
    );
}
