//! Coordinated refresh (src/store/refresh.rs): one caller gets a token the SDK is about to
//! refresh, the others wait for its save; a lease falls at its deadline, or at once when its
//! holder on this host has ended; a token that needs no refresh is found without a write.

use std::sync::Barrier;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::child::{self, Reporter};
use tokenvault::{Error, KdfParams, OpenOptions, RefreshTurn, Secret, Token, Vault};

const PASSPHRASE: &str = "refresh leases";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A token for ann whose access token expired a minute ago.
fn expired() -> Token {
    Token {
        user_name: Some("ann@zylker.com".into()),
        client_id: Some("1000.CLIENT".into()),
        client_secret: Some(Secret::new("secret")),
        refresh_token: Some(Secret::new("1000.refresh")),
        access_token: Some(Secret::new("1000.access.old")),
        expiry_time: Some((now_ms() - 60_000).to_string()),
        ..Token::default()
    }
}

fn query() -> Token {
    Token {
        user_name: Some("ann@zylker.com".into()),
        ..Token::default()
    }
}

/// What the SDK saves after a refresh: a new access token valid for an hour.
fn refreshed(mut token: Token, access: &str) -> Token {
    token.access_token = Some(Secret::new(access));
    token.expiry_time = Some((now_ms() + 3_600_000).to_string());
    token
}

fn access(token: &Token) -> &str {
    token.access_token.as_ref().map_or("", Secret::expose)
}

fn new_vault(lease: Duration) -> (tempfile::TempDir, std::path::PathBuf, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    let vault = OpenOptions::new()
        .kdf(KdfParams::insecure_for_tests())
        .insecure_kdf(true)
        .refresh_lease(lease)
        .create(&path, PASSPHRASE)
        .unwrap();
    vault.save_token(&mut expired()).unwrap();
    (dir, path, vault)
}

#[test]
fn a_token_that_needs_no_refresh_is_found_without_a_write() {
    let (_dir, _path, vault) = new_vault(Duration::from_secs(10));
    let mut fresh = refreshed(expired(), "1000.access.fresh");
    vault.save_token(&mut fresh).unwrap();
    let before = vault.info().unwrap().generation;
    for _ in 0..5 {
        let (found, turn) = vault.find_token_coordinated(&query()).unwrap().unwrap();
        assert_eq!(
            (access(&found), turn),
            ("1000.access.fresh", RefreshTurn::NotDue)
        );
        let (_, turn) = vault.find_token_by_id_coordinated("1").unwrap();
        assert_eq!(turn, RefreshTurn::NotDue);
    }
    assert_eq!(vault.info().unwrap().generation, before, "a lookup wrote");
    assert!(vault.refresh_leases().unwrap().is_empty());
}

#[test]
fn one_of_many_threads_refreshes_and_the_others_get_its_saved_token() {
    let (_dir, _path, vault) = new_vault(Duration::from_secs(10));
    let barrier = Barrier::new(8);
    let results: Vec<(String, RefreshTurn)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let (vault, barrier) = (&vault, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let (token, turn) = if i % 2 == 0 {
                        vault.find_token_coordinated(&query()).unwrap().unwrap()
                    } else {
                        vault.find_token_by_id_coordinated("1").unwrap()
                    };
                    if turn == RefreshTurn::Yours {
                        // The refresh: one HTTP round trip.
                        std::thread::sleep(Duration::from_millis(200));
                        let mut saved = refreshed(token, &format!("1000.access.{i}"));
                        vault.save_token(&mut saved).unwrap();
                        return (access(&saved).to_string(), turn);
                    }
                    (access(&token).to_string(), turn)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let holders = results
        .iter()
        .filter(|(_, t)| *t == RefreshTurn::Yours)
        .count();
    assert_eq!(holders, 1, "{results:?}");
    let winner = &results
        .iter()
        .find(|(_, t)| *t == RefreshTurn::Yours)
        .unwrap()
        .0;
    for (token, turn) in &results {
        assert_eq!(token, winner, "{results:?}");
        assert_ne!(*turn, RefreshTurn::NotDue, "{results:?}");
    }
    assert!(
        vault.refresh_leases().unwrap().is_empty(),
        "the save ended the lease"
    );
}

#[test]
fn a_lease_whose_holder_never_saves_is_taken_over_at_its_deadline() {
    let (_dir, _path, vault) = new_vault(Duration::from_millis(300));
    let (_, first) = vault.find_token_coordinated(&query()).unwrap().unwrap();
    assert_eq!(first, RefreshTurn::Yours);
    let leases = vault.refresh_leases().unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(
        (leases[0].token_id.as_str(), leases[0].pid),
        ("1", std::process::id())
    );
    assert!(leases[0].this_host);
    // The holder's refresh failed: no save. The next caller waits, then takes over.
    let (token, second) = vault.find_token_coordinated(&query()).unwrap().unwrap();
    assert_eq!(
        (access(&token), second),
        ("1000.access.old", RefreshTurn::Yours)
    );
}

#[test]
fn deleting_the_token_ends_its_lease_and_the_wait() {
    let (_dir, _path, vault) = new_vault(Duration::from_secs(60));
    assert_eq!(
        vault.find_token_by_id_coordinated("1").unwrap().1,
        RefreshTurn::Yours
    );
    std::thread::scope(|s| {
        let waiter = s.spawn(|| vault.find_token_by_id_coordinated("1"));
        std::thread::sleep(Duration::from_millis(100));
        vault.delete_token("1").unwrap();
        assert!(matches!(
            waiter.join().unwrap(),
            Err(Error::TokenNotFound { .. })
        ));
    });
    assert!(vault.refresh_leases().unwrap().is_empty());
}

#[test]
fn a_grant_token_is_exchanged_by_one_caller() {
    let (_dir, _path, vault) = new_vault(Duration::from_secs(10));
    vault.delete_tokens().unwrap();
    let mut grant_only = Token {
        user_name: Some("bob@zylker.com".into()),
        client_id: Some("1000.CLIENT".into()),
        client_secret: Some(Secret::new("secret")),
        grant_token: Some(Secret::new("1000.grant")),
        ..Token::default()
    };
    vault.save_token(&mut grant_only).unwrap();
    let bob = Token {
        user_name: Some("bob@zylker.com".into()),
        ..Token::default()
    };
    assert_eq!(
        vault.find_token_coordinated(&bob).unwrap().unwrap().1,
        RefreshTurn::Yours
    );
    assert_eq!(vault.refresh_leases().unwrap().len(), 1);
}

/// The child: takes the lease on token 1 and exits without saving, as a worker killed during
/// its refresh does.
fn child_takes_the_lease_and_dies() {
    let vault = Vault::open(child::env("VAULT"), PASSPHRASE).unwrap();
    let (_, turn) = vault.find_token_by_id_coordinated("1").unwrap();
    child::report(format!("{turn:?}"));
    std::process::exit(0);
}

#[test]
fn a_holder_that_ended_on_this_host_is_taken_over_before_its_deadline() {
    if child::role().as_deref() == Some("holder") {
        return child_takes_the_lease_and_dies();
    }
    let (_dir, path, vault) = new_vault(Duration::from_secs(3600));
    drop(vault);
    let mut cmd = child::command(
        "a_holder_that_ended_on_this_host_is_taken_over_before_its_deadline",
        "holder",
    );
    cmd.env("VAULT", &path);
    let (status, lines) = Reporter::spawn(cmd).finish();
    assert!(status.success());
    assert_eq!(lines, ["Yours"]);

    let vault = OpenOptions::new()
        .refresh_lease(Duration::from_secs(3600))
        .open(&path, PASSPHRASE)
        .unwrap();
    let leases = vault.refresh_leases();
    assert!(
        leases.unwrap().is_empty(),
        "a lease of an ended process does not stand"
    );
    // A lease of the longest length (an hour asked, cut to MAX_REFRESH_LEASE): waiting it out
    // would fail the test; the takeover must not wait.
    let (done, result) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| done.send(vault.find_token_by_id_coordinated("1")).unwrap());
        let turn = result
            .recv_timeout(tokenvault::MAX_REFRESH_LEASE / 2)
            .expect("the lease of an ended holder was waited out")
            .unwrap()
            .1;
        assert_eq!(turn, RefreshTurn::Yours);
    });
}

/// The child: on another host (as the lease's host field says), with a lease length beyond any
/// bound, takes the lease on token 1 and exits without saving. A holder on another host is
/// never seen gone, and its record's deadline is as far as the record says.
fn child_on_another_host_takes_an_endless_lease() {
    let vault = OpenOptions::new()
        .refresh_lease(Duration::MAX)
        .open(child::env("VAULT"), PASSPHRASE)
        .unwrap();
    let (_, turn) = vault.find_token_by_id_coordinated("1").unwrap();
    child::report(format!("{turn:?}"));
    std::process::exit(0);
}

#[test]
fn a_lease_from_another_host_is_waited_for_at_most_the_waiters_own_lease_length() {
    const TEST: &str =
        "a_lease_from_another_host_is_waited_for_at_most_the_waiters_own_lease_length";
    if child::role().as_deref() == Some("holder") {
        return child_on_another_host_takes_an_endless_lease();
    }
    let (_dir, path, vault) = new_vault(Duration::from_millis(500));
    drop(vault);
    let mut cmd = child::command(TEST, "holder");
    cmd.env("VAULT", &path)
        .env("TOKENVAULT_LEASE_HOST_ID", "another host");
    let (status, lines) = Reporter::spawn(cmd).finish();
    assert!(status.success());
    assert_eq!(lines, ["Yours"]);

    let vault = OpenOptions::new()
        .refresh_lease(Duration::from_millis(500))
        .open(&path, PASSPHRASE)
        .unwrap();
    for lease in vault.refresh_leases().unwrap() {
        assert!(
            lease.remaining <= tokenvault::MAX_REFRESH_LEASE,
            "a lease stands longer than the hard maximum: {lease:?}"
        );
    }
    // The holder's deadline is as far as it asked for; the waiter's own clock ends the wait.
    let (done, result) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| done.send(vault.find_token_by_id_coordinated("1")).unwrap());
        let turn = result
            .recv_timeout(Duration::from_secs(30))
            .expect("a waiter waited past its own lease length for another host's lease")
            .unwrap()
            .1;
        assert_eq!(turn, RefreshTurn::Yours);
    });
}
