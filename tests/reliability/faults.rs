//! I/O faults, injected through a `StorageBackend` that wraps redb's file backend
//! (`crate::common::faulty`): for a fixed workload, every write, every `set_len` and every `sync_data`
//! is failed in turn (EIO), the disk is filled at every write (ENOSPC), and the power is cut at
//! every I/O operation (unsynced writes lost, or torn into a random subset of 4 KiB pieces).
//!
//! After each run: the operation that met the fault returned a typed I/O error; the file reopens
//! (with the ordinary file backend) at exactly the state after the last acknowledged operation,
//! or — for the one operation whose commit was in doubt — the state after it; it verifies; and it
//! takes a new save. Passphrase changes and data-key rotations get the same treatment on their
//! own: the vault opens afterwards with the old passphrase or the new one, never neither.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tokenvault::{Error, OpenOptions, Token, Vault};

use crate::common::PASSPHRASE;
use crate::common::faulty::{Counts, Fault, FaultyBackend, IoOp, Plan, Unsynced};
use crate::common::scratch::fast_tempdir;
use crate::common::workload::{tagged_token, tagged_update};

const NEW_PASSPHRASE: &str = "the new passphrase";

type Step = (&'static str, fn(&Vault) -> Result<(), Error>);

fn save(v: &Vault, mut t: Token) -> Result<(), Error> {
    v.save_token(&mut t).map(drop)
}

/// A token of about 12 KiB.
fn large_token(i: usize) -> Token {
    let mut t = tagged_token(&format!("large{i}"), 0);
    t.redirect_url = Some(format!("https://zylker.com/{}", "x".repeat(12 * 1024)));
    t
}

/// Every kind of write the vault does: inserts, updates, a delete, a refused delete, an import,
/// a data-key rotation, a clear, and saves after them.
const WORKLOAD: &[Step] = &[
    ("insert", |v| save(v, tagged_token("f1", 0))),
    ("insert", |v| save(v, tagged_token("f2", 0))),
    ("update", |v| save(v, tagged_update("b1", 1))),
    ("delete", |v| v.delete_token("2")),
    ("refused delete", |v| match v.delete_token("999") {
        Err(Error::TokenNotFound { .. }) => Ok(()),
        other => other,
    }),
    ("import", |v| {
        v.import((0..3).map(|i| tagged_token(&format!("imp{i}"), 0)))
            .map(drop)
    }),
    ("rotate data key", Vault::rotate_data_key),
    ("update", |v| save(v, tagged_update("f1", 1))),
    // Large tokens make the file grow: redb calls set_len.
    ("import large", |v| {
        v.import((0..24).map(large_token)).map(drop)
    }),
    ("clear", Vault::delete_tokens),
    ("insert", |v| save(v, tagged_token("f3", 0))),
];

/// A vault with five tokens, closed: each run starts from a copy.
fn baseline(dir: &Path) -> PathBuf {
    let path = dir.join("baseline.vault");
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, PASSPHRASE)
        .unwrap();
    for i in 1..=5 {
        save(&vault, tagged_token(&format!("b{i}"), 0)).unwrap();
    }
    path
}

fn open_faulty(path: &Path, passphrase: &str, plan: &Plan) -> Result<Vault, Error> {
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    tokenvault::OpenOptions::insecure_for_tests().open(
        tokenvault::Location::backend(FaultyBackend::open(file, plan.clone()), path),
        passphrase,
    )
}

/// What a run did: how many steps were acknowledged, and the error that stopped it.
struct Run {
    acknowledged: usize,
    error: Option<Error>,
    /// What a read on the same handle returned after the error.
    read_after: Option<Result<Vec<Token>, Error>>,
    /// The result of one more step on the same handle after the error.
    next_step: Option<Result<(), Error>>,
}

fn run(path: &Path, passphrase: &str, steps: &[Step], plan: &Plan) -> Run {
    let vault = match open_faulty(path, passphrase, plan) {
        Ok(v) => v,
        Err(e) => {
            return Run {
                acknowledged: 0,
                error: Some(e),
                read_after: None,
                next_step: None,
            };
        }
    };
    for (i, (_, step)) in steps.iter().enumerate() {
        if let Err(e) = step(&vault) {
            let read_after = Some(vault.get_tokens());
            let next_step = steps.get(i + 1).map(|(_, next)| next(&vault));
            return Run {
                acknowledged: i,
                error: Some(e),
                read_after,
                next_step,
            };
        }
    }
    Run {
        acknowledged: steps.len(),
        error: None,
        read_after: None,
        next_step: None,
    }
    // The vault is dropped here, under the fault too: a failed close must lose nothing.
}

/// The tokens after each step of a run without faults (`states[0]` before the first), and the
/// I/O the run did, close included.
fn dry_run(base: &Path, dir: &Path, steps: &[Step]) -> (Vec<Vec<Token>>, Counts) {
    let path = dir.join("dry.vault");
    fs::copy(base, &path).unwrap();
    let plan = Plan::default();
    let vault = open_faulty(&path, PASSPHRASE, &plan).unwrap();
    let mut states = vec![vault.get_tokens().unwrap()];
    for (_, step) in steps {
        step(&vault).unwrap();
        states.push(vault.get_tokens().unwrap());
    }
    drop(vault);
    (states, plan.counts())
}

/// Every fault the sweep injects for a run whose I/O is `counts`.
fn every_fault(counts: Counts) -> Vec<Fault> {
    let mut faults = Vec::new();
    for op in [IoOp::Write, IoOp::SetLen, IoOp::Sync] {
        faults.extend((1..=counts.of(op)).map(|nth| Fault::Once { op, nth }));
    }
    faults.extend((1..=counts.writes + counts.set_lens).map(|nth| Fault::DiskFull { nth }));
    for nth in 1..=counts.total() {
        faults.push(Fault::PowerLoss {
            nth,
            unsynced: Unsynced::Lost,
        });
        faults.push(Fault::PowerLoss {
            nth,
            unsynced: Unsynced::Torn(nth.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        });
    }
    faults
}

/// The error a step met must be the injected I/O error, not something else (a corrupted vault,
/// a wrong key…). Group commit hands each waiting operation a copy of the error (kind and
/// message kept), so the OS error number is matched in the message.
fn assert_io_error(e: &Error, fault: &Fault) {
    let is_os = |io: &std::io::Error, code: i32| {
        io.raw_os_error() == Some(code) || io.to_string().contains(&format!("(os error {code})"))
    };
    let ok = match e {
        Error::Io(io) => match fault {
            Fault::DiskFull { .. } => is_os(io, 28) || is_os(io, 5),
            _ => is_os(io, 5),
        },
        Error::Storage(inner) => inner.to_string().contains("I/O"),
        _ => false,
    };
    assert!(ok, "{fault:?}: not the injected I/O error: {e:?} ({e})");
}

fn fault_kind(fault: &Fault) -> &'static str {
    match fault {
        Fault::Once {
            op: IoOp::Write, ..
        } => "failed write",
        Fault::Once {
            op: IoOp::SetLen, ..
        } => "failed set_len",
        Fault::Once { op: IoOp::Sync, .. } => "failed sync",
        Fault::DiskFull { .. } => "disk full",
        Fault::PowerLoss {
            unsynced: Unsynced::Lost,
            ..
        } => "power loss",
        Fault::PowerLoss {
            unsynced: Unsynced::Torn(_),
            ..
        } => "power loss, torn writes",
    }
}

fn error_kind(e: &Error) -> String {
    match e {
        Error::Io(io) => format!("Io({io})"),
        Error::Storage(inner) => format!("Storage({inner})"),
        other => format!("{other:?}"),
    }
}

#[derive(Default)]
struct Tally {
    runs: usize,
    landed_by_fault: BTreeMap<&'static str, usize>,
    injected: u64,
    in_doubt_landed: usize,
    reads_after_error_ok: usize,
    reads_after_error_refused: usize,
    errors: BTreeMap<String, usize>,
}

#[test]
fn every_write_set_len_sync_disk_full_and_power_loss_keeps_the_acknowledged_state() {
    let dir = fast_tempdir();
    let base = baseline(dir.path());
    let (states, counts) = dry_run(&base, dir.path(), WORKLOAD);
    assert_eq!(
        dry_run(&base, dir.path(), WORKLOAD).1,
        counts,
        "the workload's I/O is not repeatable, so a sweep by position would miss faults"
    );
    let mut tally = Tally::default();
    let path = dir.path().join("run.vault");
    for fault in every_fault(counts) {
        fs::copy(&base, &path).unwrap();
        let plan = Plan::default();
        plan.arm(fault);
        let outcome = run(&path, PASSPHRASE, WORKLOAD, &plan);
        tally.runs += 1;
        tally.injected += plan.injected();
        let acknowledged = outcome.acknowledged;
        if let Some(e) = &outcome.error {
            assert_io_error(e, &fault);
            *tally.errors.entry(error_kind(e)).or_default() += 1;
        }
        // The handle that met the error: a read shows the acknowledged state (or the in-doubt
        // one) or fails; a write is refused until the vault is reopened (redb latches the error).
        if let Some(Ok(seen)) = &outcome.read_after {
            let after = (acknowledged + 1).min(states.len() - 1);
            assert!(
                *seen == states[acknowledged] || *seen == states[after],
                "{fault:?}: a read after the error shows another state"
            );
            tally.reads_after_error_ok += 1;
        }
        if let Some(Err(_)) = &outcome.read_after {
            tally.reads_after_error_refused += 1;
        }
        if let Some(Ok(())) = outcome.next_step {
            panic!("{fault:?}: the handle accepted a write after an I/O error");
        }

        let vault = Vault::open(&path, PASSPHRASE)
            .unwrap_or_else(|e| panic!("{fault:?}: the vault does not reopen: {e}"));
        let tokens = vault.get_tokens().unwrap();
        let landed = match (&outcome.error, &outcome.next_step) {
            (None, _) => {
                assert_eq!(
                    tokens, states[acknowledged],
                    "{fault:?}: acknowledged state"
                );
                false
            }
            // One more step was acknowledged on the same handle after the error: it must be
            // there, on top of the failed one or without it.
            (Some(_), Some(Ok(()))) => panic!(
                "{fault:?}: a step after a failed one succeeded on the same handle; the model \
                 here does not cover that"
            ),
            (Some(_), _) => {
                let after = acknowledged + 1;
                assert!(
                    tokens == states[acknowledged]
                        || (after < states.len() && tokens == states[after]),
                    "{fault:?}: after {acknowledged} acknowledged steps the vault holds {} tokens, \
                     neither the acknowledged state nor the one after the failed step",
                    tokens.len()
                );
                tokens != states[acknowledged]
            }
        };
        if landed {
            tally.in_doubt_landed += 1;
            *tally.landed_by_fault.entry(fault_kind(&fault)).or_default() += 1;
        }
        let report = vault.verify().unwrap();
        assert!(report.is_ok(), "{fault:?}: {:?}", report.problems);
        save(&vault, tagged_token("after", 0))
            .unwrap_or_else(|e| panic!("{fault:?}: save after reopen: {e}"));
    }
    println!(
        "workload of {} steps, {} writes / {} set_len / {} syncs: {} faulted runs, {} operations \
         failed on purpose; on the handle that met the error, {} reads showed a committed \
         state, {} were refused, no write was accepted; the failed step landed anyway in {} runs (its commit was in doubt: \
         {:?}); errors: {:?}",
        WORKLOAD.len(),
        counts.writes,
        counts.set_lens,
        counts.syncs,
        tally.runs,
        tally.injected,
        tally.reads_after_error_ok,
        tally.reads_after_error_refused,
        tally.in_doubt_landed,
        tally.landed_by_fault,
        tally.errors
    );
}

/// Interrupts `step` at every fault point; `check` gets the reopened vault (or the reason neither
/// passphrase opens it) and whether the step was acknowledged.
fn interrupt_everywhere(step: Step, mut check: impl FnMut(&Fault, &Path, bool, &[Token])) -> Tally {
    let dir = fast_tempdir();
    let base = baseline(dir.path());
    let steps = [step];
    let (states, counts) = dry_run(&base, dir.path(), &steps);
    let mut tally = Tally::default();
    let path = dir.path().join("run.vault");
    for fault in every_fault(counts) {
        fs::copy(&base, &path).unwrap();
        let plan = Plan::default();
        plan.arm(fault);
        let outcome = run(&path, PASSPHRASE, &steps, &plan);
        tally.runs += 1;
        tally.injected += plan.injected();
        if let Some(e) = &outcome.error {
            assert_io_error(e, &fault);
        }
        check(&fault, &path, outcome.error.is_none(), &states[0]);
    }
    tally
}

#[test]
fn a_passphrase_change_interrupted_anywhere_leaves_the_old_or_the_new_passphrase() {
    let change: Step = ("change passphrase", |v| {
        v.change_passphrase(NEW_PASSPHRASE, None)
    });
    let (mut old, mut new) = (0, 0);
    let tally = interrupt_everywhere(change, |fault, path, acknowledged, tokens| {
        let with_old = Vault::open(path, PASSPHRASE);
        let with_new = Vault::open(path, NEW_PASSPHRASE);
        let vault = match (with_old, with_new) {
            (Ok(v), Err(Error::WrongPassphrase)) => {
                assert!(!acknowledged, "{fault:?}: an acknowledged change was lost");
                old += 1;
                v
            }
            (Err(Error::WrongPassphrase), Ok(v)) => {
                new += 1;
                v
            }
            (a, b) => panic!("{fault:?}: old passphrase: {a:?}, new passphrase: {b:?}"),
        };
        assert_eq!(vault.get_tokens().unwrap(), tokens, "{fault:?}");
        assert!(vault.verify().unwrap().is_ok(), "{fault:?}");
    });
    println!(
        "passphrase change: {} faulted runs, {} operations failed on purpose; afterwards the old \
         passphrase opened the vault {old} times, the new one {new} times, never neither",
        tally.runs, tally.injected
    );
}

#[test]
fn a_data_key_rotation_interrupted_anywhere_leaves_every_token_readable() {
    let rotate: Step = ("rotate data key", Vault::rotate_data_key);
    let tally = interrupt_everywhere(rotate, |fault, path, _, tokens| {
        let vault = Vault::open(path, PASSPHRASE)
            .unwrap_or_else(|e| panic!("{fault:?}: the vault does not reopen: {e}"));
        assert_eq!(vault.get_tokens().unwrap(), tokens, "{fault:?}");
        assert!(vault.verify().unwrap().is_ok(), "{fault:?}");
    });
    println!(
        "data-key rotation: {} faulted runs, {} operations failed on purpose; every token \
         readable and verified afterwards",
        tally.runs, tally.injected
    );
}
