//! Refresh ahead's library side (src/store/renewal.rs): a renewal takes the same refresh lease a
//! coordinated find takes, so an in-process worker waits for the renewal's save (and gets the
//! renewed token), a second renewal finds the lease taken, an abandoned renewal frees the lease at
//! once, and an answer that arrives after another caller took the lease over and saved is dropped.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokenvault::{
    AccountsAnswer, KdfParams, OpenOptions, RefreshTurn, RenewalSaved, RenewalTurn, Secret, Token,
    Vault,
};

const MARGIN: Duration = Duration::from_secs(300);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn token(expiry_ms: u64) -> Token {
    Token {
        user_name: Some("ann@zylker.com".into()),
        client_id: Some("1000.CLIENT".into()),
        client_secret: Some(Secret::new("secret")),
        refresh_token: Some(Secret::new("1000.refresh")),
        access_token: Some(Secret::new("1000.access.old")),
        expiry_time: Some(expiry_ms.to_string()),
        api_domain: Some("https://www.zohoapis.com".into()),
        ..Token::default()
    }
}

fn query() -> Token {
    Token {
        user_name: Some("ann@zylker.com".into()),
        ..Token::default()
    }
}

fn access(token: &Token) -> &str {
    token.access_token.as_ref().map_or("", Secret::expose)
}

fn answer(access: &str) -> AccountsAnswer {
    AccountsAnswer::parse(
        format!(r#"{{"access_token":"{access}","expires_in":3600,"api_domain":"https://www.zohoapis.eu"}}"#)
            .as_bytes(),
    )
    .unwrap()
}

fn new_vault(lease: Duration, stored: Token) -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let vault = OpenOptions::new()
        .kdf(KdfParams::insecure_for_tests())
        .insecure_kdf(true)
        .refresh_lease(lease)
        .create(dir.path().join("tokens.vault"), "renewal")
        .unwrap();
    vault.save_token(&mut stored.clone()).unwrap();
    (dir, vault)
}

fn yours(turn: RenewalTurn) -> Box<tokenvault::Renewal> {
    match turn {
        RenewalTurn::Yours(renewal) => renewal,
        other => panic!("expected the lease, got {other:?}"),
    }
}

#[test]
fn a_worker_waits_for_a_renewal_in_progress_and_gets_the_renewed_token() {
    let (_dir, vault) = new_vault(Duration::from_secs(10), token(now_ms() - 1_000));
    let renewal = yours(vault.take_renewal("1", MARGIN).unwrap());
    assert_eq!(access(renewal.token()), "1000.access.old");
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| vault.find_token_coordinated(&query()).unwrap().unwrap());
        std::thread::sleep(Duration::from_millis(200));
        assert!(!worker.is_finished(), "the worker waits for the renewal");
        let before = now_ms();
        let saved = vault
            .complete_renewal(renewal, &answer("1000.access.new"))
            .unwrap();
        let RenewalSaved::Saved { expiry_unix_ms } = saved else {
            panic!("{saved:?}")
        };
        assert!((before + 3_600_000..=now_ms() + 3_600_000).contains(&expiry_unix_ms));
        let (found, turn) = worker.join().unwrap();
        assert_eq!(turn, RefreshTurn::RefreshedByAnother);
        assert_eq!(access(&found), "1000.access.new");
        assert_eq!(found.expiry_time, Some(expiry_unix_ms.to_string()));
        assert_eq!(found.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
    });
    assert!(
        vault.refresh_leases().unwrap().is_empty(),
        "the save ended the lease"
    );
}

#[test]
fn a_second_renewal_finds_the_lease_taken_then_the_token_renewed() {
    let (_dir, vault) = new_vault(Duration::from_secs(10), token(now_ms() + 60_000));
    let renewal = yours(vault.take_renewal("1", MARGIN).unwrap());
    assert!(matches!(
        vault.take_renewal("1", MARGIN).unwrap(),
        RenewalTurn::Leased
    ));
    vault
        .complete_renewal(renewal, &answer("1000.access.new"))
        .unwrap();
    match vault.take_renewal("1", MARGIN).unwrap() {
        RenewalTurn::NotDue { due_unix_ms } => {
            let expiry: u64 = vault
                .find_token_by_id("1")
                .unwrap()
                .expiry_time
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(due_unix_ms, expiry - 300_000);
        }
        other => panic!("{other:?}"),
    }
    // Not due yet: a token expiring in an hour is not renewed with a 5-minute margin.
    let (_dir, fresh) = new_vault(Duration::from_secs(10), token(now_ms() + 3_600_000));
    assert!(matches!(
        fresh.take_renewal("1", MARGIN).unwrap(),
        RenewalTurn::NotDue { .. }
    ));
}

#[test]
fn an_abandoned_renewal_frees_the_lease_for_a_waiting_worker_at_once() {
    let (_dir, vault) = new_vault(Duration::from_secs(60), token(now_ms() - 1_000));
    let renewal = yours(vault.take_renewal("1", MARGIN).unwrap());
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let started = Instant::now();
            let (_, turn) = vault.find_token_coordinated(&query()).unwrap().unwrap();
            (turn, started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(200));
        vault.abandon_renewal(renewal).unwrap();
        let (turn, waited) = worker.join().unwrap();
        assert_eq!(turn, RefreshTurn::Yours, "the worker refreshes itself");
        assert!(waited < Duration::from_secs(30), "not the 60 s deadline");
    });
}

#[test]
fn an_answer_after_another_caller_took_the_lease_over_and_saved_is_dropped() {
    let (_dir, vault) = new_vault(Duration::from_millis(300), token(now_ms() - 1_000));
    let renewal = yours(vault.take_renewal("1", MARGIN).unwrap());
    std::thread::sleep(Duration::from_millis(400));
    // The lease fell: a worker takes it over, refreshes and saves.
    let (mut found, turn) = vault.find_token_coordinated(&query()).unwrap().unwrap();
    assert_eq!(turn, RefreshTurn::Yours);
    found.access_token = Some(Secret::new("1000.access.worker"));
    found.expiry_time = Some((now_ms() + 3_600_000).to_string());
    vault.save_token(&mut found).unwrap();
    assert_eq!(
        vault
            .complete_renewal(renewal, &answer("1000.access.late"))
            .unwrap(),
        RenewalSaved::Superseded
    );
    assert_eq!(
        access(&vault.find_token_by_id("1").unwrap()),
        "1000.access.worker"
    );
}

#[test]
fn a_token_without_a_refresh_token_or_client_is_not_renewable() {
    let mut bare = token(now_ms() - 1_000);
    bare.refresh_token = None;
    let (_dir, vault) = new_vault(Duration::from_secs(10), bare);
    assert!(matches!(
        vault.take_renewal("1", MARGIN).unwrap(),
        RenewalTurn::NotRenewable
    ));
    assert!(vault.renewal_schedule(MARGIN).unwrap().is_empty());
}
