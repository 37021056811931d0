//! What a server vault does when the server kills its sessions or another host holds the write
//! lock: a session killed in the middle of a transaction is a typed error that leaves the last
//! committed state, sessions killed while saving lose no acknowledged save, idle sessions killed
//! are replaced, and a held lock makes writes `Busy` while reads go on.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokenvault::Error;

use crate::common::PASSPHRASE;
use crate::common::server::ServerDb;
use crate::common::workload::{check_tagged, tagged_token};

/// Far beyond any bound the library documents: only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

pub fn a_session_killed_mid_transaction_is_a_typed_error_and_leaves_the_last_commit<D: ServerDb>() {
    let Some(db) = D::new("killed") else {
        return;
    };
    let vault = db.create_vault();
    for i in 0..3 {
        vault
            .save_token(&mut tagged_token(&format!("before{i}"), 0))
            .unwrap();
    }
    let before = vault.get_tokens().unwrap();

    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let import = std::thread::scope(|s| {
        let vault = &vault;
        let importer = s.spawn(move || {
            let tokens = (0..5).map(move |i| {
                if i == 2 {
                    holding.send(()).unwrap();
                    released.recv().unwrap();
                }
                tagged_token(&format!("import{i}"), 0)
            });
            vault.import(tokens)
        });
        held.recv_timeout(HANG).expect("the import started");
        // The one session in a transaction on this test's database is the import's (other tests
        // run theirs on their own databases).
        let killed = db.kill_sessions_in_a_transaction();
        // Released whatever happened, so that a failed check fails the test instead of leaving
        // the importer waiting forever.
        release.send(()).unwrap();
        let import = importer.join().unwrap();
        assert_eq!(killed, 1, "the import's session killed");
        import
    });
    match import {
        Err(e @ Error::Server { .. }) => {
            assert!(e.to_string().contains("rolled it back"), "{e}");
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    assert_eq!(
        vault.get_tokens().unwrap(),
        before,
        "the last committed state"
    );
    // The handle goes on with a new connection.
    vault.save_token(&mut tagged_token("after", 0)).unwrap();
    assert!(vault.verify().unwrap().is_ok());
    let tags: Vec<String> = db
        .open_vault()
        .get_tokens()
        .unwrap()
        .iter()
        .map(|t| check_tagged(t).unwrap().0)
        .collect();
    assert_eq!(tags, ["before0", "before1", "before2", "after"]);
}

pub fn idle_sessions_killed_by_the_server_are_replaced<D: ServerDb>() {
    let Some(db) = D::new("idlekill") else {
        return;
    };
    let vault = db.create_vault();
    vault.save_token(&mut tagged_token("a", 0)).unwrap();
    assert!(db.kill_other_sessions() > 0, "the vault holds a session");
    // Let the server finish closing them.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(vault.len().unwrap(), 1);
    vault.save_token(&mut tagged_token("b", 0)).unwrap();
    assert_eq!(vault.len().unwrap(), 2);
}

/// Writers save while another thread kills every session of the database again and again:
/// each save either succeeds, and is then in the vault, or fails with a typed server error. A
/// save reported as saved is never lost; one that failed while committing may or may not be
/// there (its error says so), and one that failed before never is.
pub fn sessions_killed_while_saving_lose_no_acknowledged_save<D: ServerDb>() {
    let Some(db) = D::new("killsaves") else {
        return;
    };
    drop(db.create_vault());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (acknowledged, failed) = std::thread::scope(|s| {
        let killer = s.spawn(|| {
            let mut kills = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                kills += db.kill_other_sessions();
                // Often enough to land in every phase of some saves, rarely enough that most complete.
                std::thread::sleep(Duration::from_millis(25));
            }
            kills
        });
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let db = &db;
                s.spawn(move || {
                    // An open can meet a termination too: retried until it gets through.
                    let vault = (0..100)
                        .find_map(|_| {
                            tokenvault::OpenOptions::insecure_for_tests()
                                .open(db.location(), PASSPHRASE)
                                .ok()
                        })
                        .expect("the vault opens between terminations");
                    let (mut ok, mut failed) = (Vec::new(), Vec::new());
                    for i in 0..60 {
                        let tag = format!("w{w}-{i}");
                        match vault.save_token(&mut tagged_token(&tag, 0)) {
                            Ok(_) => ok.push(tag),
                            Err(e @ (Error::Server { .. } | Error::ServerUnreachable { .. })) => {
                                assert!(!e.to_string().contains(db.url()), "{e}");
                                failed.push((tag, e.to_string()))
                            }
                            Err(other) => panic!("an untyped failure: {other:?}"),
                        }
                    }
                    (ok, failed)
                })
            })
            .collect();
        let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let kills = killer.join().unwrap();
        assert!(kills > 0, "sessions were terminated");
        let acknowledged: Vec<String> = results.iter().flat_map(|(ok, _)| ok.clone()).collect();
        let failed: Vec<(String, String)> =
            results.into_iter().flat_map(|(_, failed)| failed).collect();
        (acknowledged, failed)
    });
    let stored: std::collections::BTreeSet<String> = db
        .open_vault()
        .get_tokens()
        .unwrap()
        .iter()
        .map(|t| check_tagged(t).unwrap().0)
        .collect();
    for tag in &acknowledged {
        assert!(stored.contains(tag), "acknowledged save {tag} lost");
    }
    for (tag, message) in &failed {
        if stored.contains(tag) {
            assert!(
                message.contains("may or may not have been applied"),
                "{tag} is stored although its save failed with: {message}"
            );
        }
    }
    assert!(db.open_vault().verify().unwrap().is_ok());
    let unknown = failed
        .iter()
        .filter(|(_, message)| message.contains("may or may not have been applied"))
        .count();
    println!(
        "{} saves acknowledged and all kept; {} failed with a typed error ({unknown} of them \
         while committing, outcome unknown), while sessions were terminated every 25 ms",
        acknowledged.len(),
        failed.len()
    );
}

pub fn a_write_lock_held_by_another_host_makes_writes_busy_and_reads_go_on<D: ServerDb>() {
    let Some(db) = D::new("busy") else {
        return;
    };
    db.create_vault()
        .save_token(&mut tagged_token("a", 0))
        .unwrap();
    let timeout = Duration::from_secs(1);
    let vault = tokenvault::OpenOptions::new()
        .busy_timeout(timeout)
        .open(db.location(), PASSPHRASE)
        .unwrap();
    let held = db.hold_write_lock();

    assert_eq!(vault.len().unwrap(), 1, "readers take no lock");
    let started = Instant::now();
    match vault.save_token(&mut tagged_token("b", 0)) {
        Err(Error::Busy { waited }) => assert!(waited >= timeout),
        other => panic!("expected Busy, got {other:?}"),
    }
    assert!(started.elapsed() >= timeout);
    assert_eq!(vault.len().unwrap(), 1, "the refused write changed nothing");

    drop(held);
    vault.save_token(&mut tagged_token("b", 0)).unwrap();
    assert_eq!(vault.len().unwrap(), 2);
}
