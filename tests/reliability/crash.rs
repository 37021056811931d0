//! Crashes: a child process writes in a loop (inserts, updates, deletes, an occasional data-key
//! rotation or passphrase change, from two threads) and reports each operation only after it
//! returned; the parent kills it with SIGKILL at a random moment — during its open and recovery
//! too — then reopens the vault and checks that every reported operation is there, intact, that
//! nothing else is (but the at most one operation per thread that was in flight), and that the
//! vault verifies. The next cycle starts from that state, so damage would accumulate.
//!
//! `cargo test` runs 50 cycles; `TOKENVAULT_CRASH_CYCLES=500` (see `.ci/long/crash.sh`) more.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokenvault::{Error, OpenOptions, Vault};

use crate::common::child::{self, Reporter};
use crate::common::rng::Rng;
use crate::common::workload::{check_tagged, tagged_token, tagged_update};

const TEST: &str = "every_acknowledged_write_survives_sigkill_at_random_moments";
const DEFAULT_CYCLES: usize = 50;
const CHILD_THREADS: usize = 2;
const FIRST_PASSPHRASE: &str = "crash passphrase 0";

/// One operation, as the child reports it: `try <thread> <op>` before, `ok <thread> <op>` after.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Op {
    Insert { tag: String },
    Update { tag: String, version: u32 },
    Delete { tag: String },
    Rotate,
    Passphrase { new: String },
}

impl Op {
    fn encode(&self) -> String {
        match self {
            Op::Insert { tag } => format!("ins {tag}"),
            Op::Update { tag, version } => format!("upd {tag} {version}"),
            Op::Delete { tag } => format!("del {tag}"),
            Op::Rotate => "rot".into(),
            Op::Passphrase { new } => format!("pass {new}"),
        }
    }

    fn decode(words: &[&str]) -> Op {
        match words {
            ["ins", tag] => Op::Insert {
                tag: tag.to_string(),
            },
            ["upd", tag, v] => Op::Update {
                tag: tag.to_string(),
                version: v.parse().unwrap(),
            },
            ["del", tag] => Op::Delete {
                tag: tag.to_string(),
            },
            ["rot"] => Op::Rotate,
            ["pass", new] => Op::Passphrase {
                new: new.to_string(),
            },
            other => panic!("unknown report {other:?}"),
        }
    }
}

/// What the parent knows is committed: tag → (id, version), and the passphrase.
#[derive(Clone, Debug)]
struct Model {
    tokens: BTreeMap<String, (String, u32)>,
    passphrase: String,
}

#[test]
fn every_acknowledged_write_survives_sigkill_at_random_moments() {
    if child::role().as_deref() == Some("crasher") {
        return crasher_child();
    }
    let cycles: usize = std::env::var("TOKENVAULT_CRASH_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_CYCLES);
    let seed = Rng::seed_from_env();
    println!("seed {seed} (set TOKENVAULT_TEST_SEED to replay the schedule)");
    let mut rng = Rng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.vault");
    OpenOptions::insecure_for_tests()
        .create(&path, FIRST_PASSPHRASE)
        .unwrap();
    let mut model = Model {
        tokens: BTreeMap::new(),
        passphrase: FIRST_PASSPHRASE.into(),
    };

    let started = Instant::now();
    let (mut acknowledged, mut in_doubt, mut in_doubt_landed, mut early_kills) = (0, 0, 0, 0);
    for cycle in 0..cycles {
        let pool = update_pool(&model, &mut rng);
        let mut cmd = child::command(TEST, "crasher");
        cmd.env("VAULT", &path)
            .env("CYCLE", cycle.to_string())
            .env("SEED", rng.next_u64().to_string())
            .env("PASS", &model.passphrase)
            .env("POOL", pool);
        let mut crasher = Reporter::spawn(cmd);
        if rng.percent(15) {
            // During the open, and any recovery the last kill left to do.
            std::thread::sleep(Duration::from_millis(rng.below(40)));
            early_kills += 1;
        } else {
            assert!(
                crasher.wait_for("ready", Duration::from_secs(60)).is_some(),
                "cycle {cycle}: the child did not open the vault"
            );
            std::thread::sleep(Duration::from_millis(rng.below(150)));
        }
        crasher.kill();
        let (status, lines) = crasher.finish();
        assert_eq!(
            status.signal(),
            Some(9),
            "cycle {cycle}: the child ended by itself ({status}): {lines:?}"
        );
        if let Some(err) = lines.iter().find(|l| l.starts_with("err ")) {
            panic!("cycle {cycle}: the child got an error: {err}");
        }

        let mut flight: BTreeMap<usize, Op> = BTreeMap::new();
        for line in &lines {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                ["try", th, op @ ..] => {
                    flight.insert(th.parse().unwrap(), Op::decode(op));
                }
                ["ok", th, "ins", tag, id] => {
                    let op = Op::Insert {
                        tag: tag.to_string(),
                    };
                    assert_eq!(flight.remove(&th.parse().unwrap()), Some(op));
                    model.tokens.insert(tag.to_string(), (id.to_string(), 0));
                    acknowledged += 1;
                }
                ["ok", th, op @ ..] => {
                    let op = Op::decode(op);
                    assert_eq!(flight.remove(&th.parse().unwrap()), Some(op.clone()));
                    apply(&mut model, &op);
                    acknowledged += 1;
                }
                _ => {}
            }
        }
        in_doubt += flight.len();
        in_doubt_landed += check_after_crash(&path, &mut model, &flight, cycle);
    }
    println!(
        "{cycles} SIGKILL cycles ({early_kills} during open) in {:?}: {acknowledged} acknowledged \
         operations all present and intact, {in_doubt} in flight at the kill ({in_doubt_landed} \
         of them landed), {} tokens at the end; every reopen verified",
        started.elapsed(),
        model.tokens.len()
    );
}

/// Up to 16 committed tokens the child may update or delete: `tag:id:version,…`.
fn update_pool(model: &Model, rng: &mut Rng) -> String {
    let tags: Vec<&String> = model.tokens.keys().collect();
    let mut pool = Vec::new();
    for _ in 0..16.min(tags.len()) {
        let tag = tags[rng.below(tags.len() as u64) as usize];
        let (id, version) = &model.tokens[tag];
        let entry = format!("{tag}:{id}:{version}");
        if !pool.contains(&entry) {
            pool.push(entry);
        }
    }
    pool.join(",")
}

/// An acknowledged operation other than an insert (whose id comes with its report).
fn apply(model: &mut Model, op: &Op) {
    match op {
        Op::Insert { .. } | Op::Rotate => {}
        Op::Update { tag, version } => model.tokens.get_mut(tag).unwrap().1 = *version,
        Op::Delete { tag } => {
            model.tokens.remove(tag);
        }
        Op::Passphrase { new } => model.passphrase = new.clone(),
    }
}

/// Reopens the vault and checks it against the model; the operations in flight may or may not
/// have landed. Folds those that did into the model and returns how many.
fn check_after_crash(
    path: &Path,
    model: &mut Model,
    flight: &BTreeMap<usize, Op>,
    cycle: usize,
) -> usize {
    let mut landed = 0;
    // A short wait: the dead process may have held the write lock, which must be gone.
    let open = |passphrase: &str| {
        tokenvault::OpenOptions::new()
            .busy_timeout(Duration::from_secs(5))
            .open(path, passphrase)
    };
    let vault = match open(&model.passphrase) {
        Ok(v) => v,
        Err(Error::WrongPassphrase) => {
            let new = flight.values().find_map(|op| match op {
                Op::Passphrase { new } => Some(new.clone()),
                _ => None,
            });
            let new = new.unwrap_or_else(|| {
                panic!("cycle {cycle}: the acknowledged passphrase does not open the vault")
            });
            landed += 1;
            model.passphrase = new;
            open(&model.passphrase)
                .unwrap_or_else(|e| panic!("cycle {cycle}: neither passphrase opens it: {e}"))
        }
        Err(e) => panic!("cycle {cycle}: reopen after the kill failed: {e}"),
    };
    let mut stored: BTreeMap<String, (String, u32)> = BTreeMap::new();
    for t in vault.get_tokens().unwrap() {
        let (tag, version) =
            check_tagged(&t).unwrap_or_else(|e| panic!("cycle {cycle}: damaged token: {e}"));
        stored.insert(tag, (t.id.unwrap(), version));
    }
    let doubt_on = |tag: &str| {
        flight.values().find(|op| match op {
            Op::Insert { tag: t } | Op::Update { tag: t, .. } | Op::Delete { tag: t } => t == tag,
            _ => false,
        })
    };
    for (tag, expected) in &model.tokens {
        let found = stored.get(tag);
        if found == Some(expected) {
            continue;
        }
        match (doubt_on(tag), found) {
            (Some(Op::Update { version, .. }), Some((id, v)))
                if id == &expected.0 && v == version =>
            {
                landed += 1;
            }
            (Some(Op::Delete { .. }), None) => landed += 1,
            _ => panic!(
                "cycle {cycle}: acknowledged token {tag} {expected:?} is {found:?} after the kill"
            ),
        }
    }
    for (tag, (id, version)) in &stored {
        if model.tokens.contains_key(tag) {
            continue;
        }
        match doubt_on(tag) {
            Some(Op::Insert { .. }) if *version == 0 => {
                landed += 1;
                assert!(
                    !model.tokens.values().any(|(other, _)| other == id),
                    "cycle {cycle}: {tag} took an id in use"
                );
            }
            _ => panic!("cycle {cycle}: token {tag} (id {id}) was never acknowledged"),
        }
    }
    model.tokens = stored;
    let report = vault.verify().unwrap();
    assert!(
        report.is_ok(),
        "cycle {cycle}: verify after the kill: {:?}",
        report.problems
    );
    let mut after = tagged_token(&format!("parent-{cycle}"), 0);
    vault
        .save_token(&mut after)
        .unwrap_or_else(|e| panic!("cycle {cycle}: save after the kill: {e}"));
    model
        .tokens
        .insert(format!("parent-{cycle}"), (after.id.clone().unwrap(), 0));
    landed
}

// ---- The child ----------------------------------------------------------------------------------

fn crasher_child() {
    let cycle: usize = child::env("CYCLE").parse().unwrap();
    let seed: u64 = child::env("SEED").parse().unwrap();
    let passphrase = child::env("PASS");
    let pool: Vec<(String, String, u32)> = child::env("POOL")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let mut parts = entry.split(':');
            let tag = parts.next().unwrap().to_string();
            let id = parts.next().unwrap().to_string();
            (tag, id, parts.next().unwrap().parse().unwrap())
        })
        .collect();
    let vault = match OpenOptions::insecure_for_tests().open(child::env("VAULT"), &passphrase) {
        Ok(v) => Arc::new(v),
        Err(e) => {
            child::report(format!("err open: {e}"));
            std::process::exit(3);
        }
    };
    child::report("ready");
    let threads: Vec<_> = (0..CHILD_THREADS)
        .map(|th| {
            let vault = vault.clone();
            let mine: Vec<_> = pool
                .iter()
                .enumerate()
                .filter(|(i, _)| i % CHILD_THREADS == th)
                .map(|(_, p)| p.clone())
                .collect();
            std::thread::spawn(move || crasher_thread(&vault, cycle, th, seed, mine))
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

/// Writes until killed (or a minute passes, so a lost parent does not leave it running).
fn crasher_thread(
    vault: &Vault,
    cycle: usize,
    th: usize,
    seed: u64,
    mut owned: Vec<(String, String, u32)>,
) {
    let mut rng = Rng::new(seed ^ (th as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let deadline = Instant::now() + Duration::from_secs(60);
    let fail = |op: &Op, e: Error| -> ! {
        child::report(format!("err {th} {}: {e}", op.encode()));
        std::process::exit(3);
    };
    let mut n = 0;
    while Instant::now() < deadline {
        let roll = rng.below(100);
        let op = if th == 0 && roll < 2 {
            Op::Rotate
        } else if th == 0 && roll < 4 {
            Op::Passphrase {
                new: format!("crash-passphrase-{cycle}-{n}"),
            }
        } else if owned.is_empty() || roll < 60 {
            Op::Insert {
                tag: format!("c{cycle}-{th}-{n}"),
            }
        } else if roll < 90 {
            let at = rng.below(owned.len() as u64) as usize;
            Op::Update {
                tag: owned[at].0.clone(),
                version: owned[at].2 + 1,
            }
        } else {
            let at = rng.below(owned.len() as u64) as usize;
            Op::Delete {
                tag: owned[at].0.clone(),
            }
        };
        n += 1;
        child::report(format!("try {th} {}", op.encode()));
        match &op {
            Op::Insert { tag } => {
                let mut token = tagged_token(tag, 0);
                if let Err(e) = vault.save_token(&mut token) {
                    fail(&op, e);
                }
                let id = token.id.unwrap();
                child::report(format!("ok {th} ins {tag} {id}"));
                owned.push((tag.clone(), id, 0));
                continue;
            }
            Op::Update { tag, version } => {
                if let Err(e) = vault.save_token(&mut tagged_update(tag, *version)) {
                    fail(&op, e);
                }
                owned.iter_mut().find(|o| &o.0 == tag).unwrap().2 = *version;
            }
            Op::Delete { tag } => {
                let at = owned.iter().position(|o| &o.0 == tag).unwrap();
                if let Err(e) = vault.delete_token(&owned[at].1) {
                    fail(&op, e);
                }
                owned.remove(at);
            }
            Op::Rotate => {
                if let Err(e) = vault.rotate_data_key() {
                    fail(&op, e);
                }
            }
            Op::Passphrase { new } => {
                if let Err(e) = vault.change_passphrase(new, None) {
                    fail(&op, e);
                }
            }
        }
        child::report(format!("ok {th} {}", op.encode()));
    }
}
