//! Damaged files: a small vault with every byte flipped in turn, and truncated at every length.
//! Each damaged copy is inspected, opened, unlocked, listed, searched and verified through the
//! public API. Every call must return the original data or a typed error: never other data,
//! never a panic.
//!
//! FINDING (redb 4.6, also found by the `file_bytes` fuzz target): a plain redb open trusts the
//! file, and some damaged pages made redb panic (or, rarely, abort) instead of returning
//! `Corrupted`, or made a lookup find nothing without an error. The vault turns an engine panic
//! into `Corrupted`. An open reads the file without writing (docs/RELIABILITY.md §Reads write
//! nothing), so by default it runs redb's integrity check only after an unclean shutdown: a
//! lookup may then find nothing in a damaged copy, which `verify` reports (`HiddenByDamage`,
//! allowed by default). With `OpenOptions::check_integrity(true)` every open runs the check, and
//! every copy that is worse than a typed error by default is opened that way too, where anything
//! worse than an unauthenticated count fails this test.
//!
//! The sweep runs in child processes (this test binary, re-run in a role), so that a damaged
//! file that aborts the process (a panic while unwinding aborts; no `catch_unwind` stops it) is
//! counted and the sweep goes on from the next position.
//!
//! `TOKENVAULT_DAMAGE_SCREEN=1` first opens each copy with redb's integrity check, as the vault
//! could, and counts what that check rejects.
//!
//! `cargo test` flips every byte of the first 4 KiB (redb's header and commit slots) and every
//! 31st byte beyond (from a seeded offset, so runs cover different bytes), and truncates at every
//! 16th length. `.ci/long/damaged-files.sh` (`TOKENVAULT_DAMAGE_STRIDE=1`) does every byte and
//! every length.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use tokenvault::{Error, OpenOptions, Token, Vault};

use crate::common::PASSPHRASE;
use crate::common::child::{self, Reporter};
use crate::common::rng::Rng;
use crate::common::scratch::fast_tempdir;
use crate::common::workload::{tagged_query, tagged_token, tagged_update};

const TEST: &str = "every_damaged_copy_gives_the_original_data_or_a_typed_error";
/// Every byte of this prefix is flipped in `cargo test`.
const DENSE_PREFIX: usize = 4 * 1024;
/// Every how many bytes `cargo test` flips beyond the prefix.
const FLIP_STRIDE: usize = 31;
/// Every how many lengths `cargo test` truncates at.
const TRUNCATE_STRIDE: usize = 16;

/// The vault every copy is damaged from, and what it holds.
struct Base {
    bytes: Vec<u8>,
    tokens: Vec<Token>,
    /// What it held before its last commit (redb falls back to it when the last commit's slot
    /// is damaged).
    previous: Vec<Token>,
}

fn build_base(dir: &Path) -> Base {
    let path = dir.join("base.vault");
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, PASSPHRASE)
        .unwrap();
    for i in 0..3 {
        vault
            .save_token(&mut tagged_token(&format!("d{i}"), 0))
            .unwrap();
    }
    let previous = vault.get_tokens().unwrap();
    // The last commit changes data, so a fall back to the previous commit would show.
    vault.save_token(&mut tagged_update("d1", 1)).unwrap();
    let tokens = vault.get_tokens().unwrap();
    drop(vault);
    Base {
        bytes: std::fs::read(&path).unwrap(),
        tokens,
        previous,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    Flip,
    Truncate,
}

impl Mode {
    fn damage(self, base: &[u8], at: usize) -> Vec<u8> {
        match self {
            Mode::Flip => {
                let mut bytes = base.to_vec();
                bytes[at] ^= 0xff;
                bytes
            }
            Mode::Truncate => base[..at].to_vec(),
        }
    }

    /// Every position with `every_byte`, else the `cargo test` sample (offset by `phase`).
    fn positions(self, len: usize, every_byte: bool, phase: usize) -> Vec<usize> {
        match self {
            _ if every_byte => (0..len).collect(),
            Mode::Flip => (0..len)
                .filter(|&i| i < DENSE_PREFIX || i % FLIP_STRIDE == phase % FLIP_STRIDE)
                .collect(),
            Mode::Truncate => (0..len)
                .filter(|&i| i % TRUNCATE_STRIDE == phase % TRUNCATE_STRIDE)
                .collect(),
        }
    }
}

/// What one damaged copy gave, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// A panic raised in tokenvault's own code.
    TokenvaultPanic,
    /// Data other than the original from a list or a lookup.
    OtherData,
    /// The previous commit's data (a fall back to an older state).
    PreviousCommit,
    /// The process aborted without a panic (an allocation the allocator refused).
    Abort,
    /// The process died after a panic in the storage engine (a second panic while unwinding).
    EngineAbort,
    /// A panic raised inside the storage engine (redb), caught.
    EnginePanic,
    /// A lookup found nothing, without an error; `verify` reported the damage.
    HiddenByDamage,
    /// `Vault::inspect` (no passphrase, nothing authenticated) showed another token count.
    UnauthenticatedCount,
    /// A typed error at some step, the original data at every other.
    TypedError,
    /// Every step gave the original data: the byte was not in use.
    Unchanged,
}

const OUTCOMES: [Outcome; 10] = [
    Outcome::TokenvaultPanic,
    Outcome::OtherData,
    Outcome::PreviousCommit,
    Outcome::Abort,
    Outcome::EngineAbort,
    Outcome::EnginePanic,
    Outcome::HiddenByDamage,
    Outcome::UnauthenticatedCount,
    Outcome::TypedError,
    Outcome::Unchanged,
];

impl Outcome {
    fn name(self) -> String {
        format!("{self:?}")
    }

    fn parse(s: &str) -> Outcome {
        OUTCOMES.into_iter().find(|o| o.name() == s).unwrap()
    }

    /// Whether this outcome fails the test with `check_integrity(true)`: everything worse than
    /// an unauthenticated count (which `Vault::inspect` documents as such).
    fn fails(self) -> bool {
        self <= Outcome::HiddenByDamage
    }

    /// Whether this outcome fails the test with the default options, which check the file only
    /// after an unclean shutdown: everything worse than a lookup that `verify` warns about.
    fn fails_by_default(self) -> bool {
        self < Outcome::HiddenByDamage
    }
}

/// Whether a panic location is in redb's source.
fn in_engine(location: &str) -> bool {
    location.contains("/redb-")
}

/// Short name of an error's variant, for the tally.
fn variant(e: &Error) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("?")
        .to_string()
}

/// Opens, lists, searches and verifies `path`; the worst outcome and the errors met.
fn check_copy(path: &Path, base: &Base, options: &OpenOptions) -> (Outcome, Vec<String>) {
    let mut errors = Vec::new();
    let mut outcome = Outcome::Unchanged;
    let note = |o: Outcome, outcome: &mut Outcome| *outcome = (*outcome).min(o);
    if std::env::var_os("TOKENVAULT_DAMAGE_SCREEN").is_some() {
        // What the vault would gain by running redb's integrity check before trusting a file
        // (it writes to the file and reads all of it, so the vault does not, yet).
        step("screen");
        let mut builder = redb::Database::builder();
        builder
            .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
            .set_check_integrity_on_open(true);
        if let Err(e) = builder.open(path) {
            let first = format!("{e}")
                .split(':')
                .next()
                .unwrap_or("")
                .replace(' ', "-");
            errors.push(format!("screened-{first}"));
            return (Outcome::TypedError, errors);
        }
    }
    step("inspect");
    match Vault::inspect(path) {
        Ok(info) if info.token_count != base.tokens.len() as u64 => {
            errors.push("!inspect-count".into());
            note(Outcome::UnauthenticatedCount, &mut outcome);
        }
        Ok(_) => {}
        Err(e) => errors.push(variant(&e)),
    }
    step("open");
    let vault = match options.open(path, PASSPHRASE) {
        Ok(v) => v,
        Err(e) => {
            errors.push(variant(&e));
            note(Outcome::TypedError, &mut outcome);
            return (outcome, errors);
        }
    };
    let mut expected = &base.tokens;
    step("list");
    match vault.get_tokens() {
        Ok(tokens) if tokens == base.tokens => {}
        Ok(tokens) if tokens == base.previous => {
            note(Outcome::PreviousCommit, &mut outcome);
            expected = &base.previous;
        }
        Ok(_) => {
            errors.push("!list".into());
            note(Outcome::OtherData, &mut outcome);
        }
        Err(e) => {
            errors.push(variant(&e));
            note(Outcome::TypedError, &mut outcome);
        }
    }
    step("verify");
    let verify_saw_damage = match vault.verify() {
        Ok(report) => !report.is_ok(),
        Err(e) => {
            errors.push(variant(&e));
            note(Outcome::TypedError, &mut outcome);
            true
        }
    };
    for token in expected {
        let tag = token
            .user_name
            .as_deref()
            .unwrap()
            .trim_end_matches("@zylker.com");
        step("find");
        match vault.find_token(&tagged_query(tag)) {
            Ok(Some(found)) if &found == token => {}
            Ok(Some(_)) => {
                errors.push("!find".into());
                note(Outcome::OtherData, &mut outcome);
            }
            Ok(None) if verify_saw_damage => note(Outcome::HiddenByDamage, &mut outcome),
            Ok(None) => {
                errors.push("!find-none".into());
                note(Outcome::OtherData, &mut outcome);
            }
            Err(e) => {
                errors.push(variant(&e));
                note(Outcome::TypedError, &mut outcome);
            }
        }
        step("find-by-id");
        match vault.find_token_by_id(token.id.as_deref().unwrap()) {
            Ok(found) if &found == token => {}
            // "No such token" about a stored token is a lookup that found nothing.
            Err(Error::TokenNotFound { .. }) if verify_saw_damage => {
                note(Outcome::HiddenByDamage, &mut outcome)
            }
            Err(Error::TokenNotFound { .. }) => {
                errors.push("!find-by-id-none".into());
                note(Outcome::OtherData, &mut outcome);
            }
            Ok(_) => {
                errors.push("!find-by-id".into());
                note(Outcome::OtherData, &mut outcome);
            }
            Err(e) => {
                errors.push(variant(&e));
                note(Outcome::TypedError, &mut outcome);
            }
        }
    }
    step("drop");
    drop(vault);
    if !errors.is_empty() {
        note(Outcome::TypedError, &mut outcome);
    }
    (outcome, errors)
}

// ---- The child: sweeps a range of positions ------------------------------------------------------

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

thread_local! {
    /// The step `check_copy` is in, for the report of a panic.
    static STEP: std::cell::Cell<&'static str> = const { std::cell::Cell::new("") };
}

fn step(name: &'static str) {
    STEP.with(|s| s.set(name));
}

fn sweeper_child() {
    let dir = PathBuf::from(child::env("DIR"));
    let mode = if child::env("MODE") == "flip" {
        Mode::Flip
    } else {
        Mode::Truncate
    };
    let base = Base {
        bytes: std::fs::read(dir.join("base.vault")).unwrap(),
        tokens: read_tokens(&dir.join("tokens.txt")),
        previous: read_tokens(&dir.join("previous.txt")),
    };
    let positions: Vec<usize> = std::fs::read_to_string(child::env("POSITIONS"))
        .unwrap()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map_or("?".into(), |l| format!("{}:{}", l.file(), l.line()));
        // Reported at once: a second panic while unwinding aborts before anything else runs.
        let during = STEP.with(|s| s.get());
        child::report(format!("panic-at {during}@{at}"));
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{during}@{at}"));
    }));
    let copy = dir.join(format!("copy-{}.vault", std::process::id()));
    let checked = OpenOptions::new().check_integrity(true);
    for at in positions {
        child::report(format!("begin {at}"));
        let run = |options: &OpenOptions| {
            std::fs::write(&copy, mode.damage(&base.bytes, at)).unwrap();
            match catch_unwind(AssertUnwindSafe(|| check_copy(&copy, &base, options))) {
                Ok((outcome, errors)) => (outcome, errors.join(",")),
                Err(_) => {
                    let at_line = LAST_PANIC.lock().unwrap().take().unwrap_or_default();
                    if in_engine(&at_line) {
                        (Outcome::EnginePanic, at_line)
                    } else {
                        (Outcome::TokenvaultPanic, at_line)
                    }
                }
            }
        };
        let (outcome, detail) = run(&OpenOptions::new());
        // What the integrity check on every open makes of a copy worse than a typed error.
        let (checked_outcome, _) = if outcome < Outcome::TypedError {
            run(&checked)
        } else {
            (outcome, String::new())
        };
        child::report(format!(
            "done {at} {} {} {detail}",
            outcome.name(),
            checked_outcome.name()
        ));
    }
    let _ = std::fs::remove_file(&copy);
}

/// Tokens go to the child as the FileStore CSV, through the library's own writer.
fn write_tokens(path: &Path, tokens: &[Token]) {
    let mut csv = Vec::new();
    tokenvault::filestore::write(tokens, &mut csv).unwrap();
    std::fs::write(path, csv).unwrap();
}

fn read_tokens(path: &Path) -> Vec<Token> {
    tokenvault::filestore::parse(&std::fs::read(path).unwrap()).unwrap()
}

/// Sweeps `positions` in child processes, restarting after each abort; outcome of each position.
/// Each position's outcome with the default options, with `check_integrity(true)` (the same
/// unless the first is worse than a typed error), and details.
fn sweep(
    dir: &Path,
    mode: Mode,
    positions: &[usize],
) -> BTreeMap<usize, (Outcome, Outcome, String)> {
    let mut results = BTreeMap::new();
    let mut left: Vec<usize> = positions.to_vec();
    while !left.is_empty() {
        let list: Vec<String> = left.iter().map(usize::to_string).collect();
        let list_file = dir.join("positions.txt");
        std::fs::write(&list_file, list.join(",")).unwrap();
        let mut cmd = child::command(TEST, "sweeper");
        cmd.env("DIR", dir)
            .env(
                "MODE",
                if mode == Mode::Flip {
                    "flip"
                } else {
                    "truncate"
                },
            )
            .env("POSITIONS", &list_file);
        let (_, lines) = Reporter::spawn(cmd).finish();
        let mut begun = None;
        let mut last_panic = String::new();
        for line in &lines {
            let words: Vec<&str> = line.splitn(5, ' ').collect();
            match words.as_slice() {
                ["begin", at] => {
                    begun = Some(at.parse::<usize>().unwrap());
                    last_panic.clear();
                }
                ["panic-at", at] => last_panic = at.to_string(),
                ["done", at, outcome, checked, rest @ ..] => {
                    let detail = rest.first().copied().unwrap_or("").to_string();
                    results.insert(
                        at.parse().unwrap(),
                        (Outcome::parse(outcome), Outcome::parse(checked), detail),
                    );
                    begun = None;
                }
                _ => {}
            }
        }
        // A position begun and never done killed the process.
        if let Some(at) = begun {
            let outcome = if last_panic.is_empty() {
                // No panic first: the allocator gave up (a damaged length asked for more memory
                // than there is), which aborts without a location.
                Outcome::Abort
            } else if in_engine(&last_panic) {
                Outcome::EngineAbort
            } else {
                Outcome::TokenvaultPanic
            };
            results.insert(at, (outcome, outcome, last_panic));
        }
        left.retain(|at| !results.contains_key(at));
        if begun.is_none() && !left.is_empty() {
            panic!(
                "a sweeper ended without finishing or aborting at {:?}",
                left.first()
            );
        }
    }
    results
}

#[test]
fn every_damaged_copy_gives_the_original_data_or_a_typed_error() {
    if child::role().as_deref() == Some("sweeper") {
        return sweeper_child();
    }
    let every_byte = std::env::var("TOKENVAULT_DAMAGE_STRIDE").as_deref() == Ok("1");
    let seed = Rng::seed_from_env();
    println!("seed {seed} (set TOKENVAULT_TEST_SEED to sweep the same sample)");
    let dir = fast_tempdir();
    let base = build_base(dir.path());
    std::fs::write(dir.path().join("base.vault"), &base.bytes).unwrap();
    write_tokens(&dir.path().join("tokens.txt"), &base.tokens);
    write_tokens(&dir.path().join("previous.txt"), &base.previous);

    let mut failures = Vec::new();
    for mode in [Mode::Flip, Mode::Truncate] {
        let started = Instant::now();
        let positions = match std::env::var("TOKENVAULT_DAMAGE_POSITIONS") {
            // To replay a few positions: "flip:123,456" or "truncate:789".
            Ok(list) => match list.split_once(':') {
                Some((m, at)) if m == format!("{mode:?}").to_lowercase() => {
                    at.split(',').map(|p| p.parse().unwrap()).collect()
                }
                _ => Vec::new(),
            },
            Err(_) => mode.positions(base.bytes.len(), every_byte, seed as usize),
        };
        let results = sweep(dir.path(), mode, &positions);
        let mut tally: BTreeMap<Outcome, usize> = BTreeMap::new();
        let mut errors: BTreeMap<String, usize> = BTreeMap::new();
        let mut engine_panics: BTreeMap<String, usize> = BTreeMap::new();
        let mut worst: Vec<(Outcome, usize)> = Vec::new();
        for (at, (outcome, checked, detail)) in &results {
            *tally.entry(*outcome).or_default() += 1;
            match outcome {
                Outcome::TypedError => {
                    for e in detail.split(',').filter(|e| !e.is_empty()) {
                        *errors.entry(e.to_string()).or_default() += 1;
                    }
                }
                Outcome::EnginePanic | Outcome::EngineAbort => {
                    let short = detail.rsplit("/src/").next().unwrap_or(detail);
                    let during = detail.split('@').next().unwrap_or("");
                    *engine_panics
                        .entry(format!("{during}@{short}"))
                        .or_default() += 1;
                }
                _ => {}
            }
            if *outcome < Outcome::TypedError {
                worst.push((*outcome, *at));
            }
            if outcome.fails_by_default() {
                failures.push(format!("{mode:?} at {at}: {} {detail}", outcome.name()));
            }
            if checked.fails() {
                failures.push(format!(
                    "{mode:?} at {at}, opened with check_integrity(true): {} {detail}",
                    checked.name()
                ));
            }
        }
        // The worst outcomes first, a few of each kind, to replay with TOKENVAULT_DAMAGE_POSITIONS.
        worst.sort();
        let mut shown: BTreeMap<Outcome, Vec<usize>> = BTreeMap::new();
        for (outcome, at) in worst {
            let list = shown.entry(outcome).or_default();
            if list.len() < 5 {
                list.push(at);
            }
        }
        println!(
            "{mode:?}: {} positions of a {}-byte vault in {:?}: {tally:?}; errors met: \
             {errors:?}; engine panics by step and place: {engine_panics:?}; first positions \
             of each outcome worse than a typed error: {shown:?}",
            results.len(),
            base.bytes.len(),
            started.elapsed(),
        );
    }
    assert!(
        failures.is_empty(),
        "{} damaged copies failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
