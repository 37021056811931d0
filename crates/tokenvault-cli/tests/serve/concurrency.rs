//! Many clients at once: nothing lost, and one refresh per expiry — across the clients of one
//! service, across two services on one vault, and past a holder that never saves.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Scratch, Service, now_ms, sdk_token};

#[test]
fn sixty_four_clients_of_mixed_operations_lose_no_acknowledged_save() {
    let scratch = Scratch::new();
    let service = Arc::new(scratch.serve("s", &[]));
    let future = now_ms() + 3_600_000;
    let barrier = Arc::new(Barrier::new(64));
    let clients: Vec<_> = (0..64)
        .map(|client| {
            let service = service.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut acknowledged = Vec::new();
                for round in 0..8 {
                    let user = format!("user{client}-{round}@zylker.com");
                    let saved = service.call("PUT", "/v1/tokens", Some(&sdk_token(&user, future)));
                    assert_eq!(saved.status, 200, "{saved:?}");
                    acknowledged.push((
                        saved.json["token"]["id"].as_str().unwrap().to_string(),
                        user.clone(),
                    ));
                    // Reads and an update in between, as SDK workers do.
                    let found =
                        service.call("POST", "/v1/tokens/find", Some(&json!({"user_name": user})));
                    assert_eq!(found.status, 200);
                    let id = found.json["token"]["id"].as_str().unwrap();
                    let update =
                        json!({"id": id, "access_token": format!("1000.access.{client}.{round}")});
                    assert_eq!(service.call("PUT", "/v1/tokens", Some(&update)).status, 200);
                    if round % 4 == 0 {
                        assert_eq!(service.call("GET", "/v1/tokens", None).status, 200);
                    }
                }
                acknowledged
            })
        })
        .collect();
    let acknowledged: Vec<(String, String)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert_eq!(acknowledged.len(), 512);
    let all = service.call("GET", "/v1/tokens", None);
    let stored: Vec<&Value> = all.json["tokens"].as_array().unwrap().iter().collect();
    assert_eq!(stored.len(), 512, "every save is a new token");
    for (id, user) in &acknowledged {
        let token = service.call("GET", &format!("/v1/tokens/{id}"), None);
        assert_eq!(
            token.json["token"]["user_name"],
            user.as_str(),
            "token {id}"
        );
        assert!(
            token.json["token"]["access_token"]
                .as_str()
                .unwrap()
                .starts_with("1000.access.")
        );
    }
}

/// `clients` threads (each its own connection) ask `services` for one expired token at once;
/// the one told `yours` saves a refreshed token after `hold`. Returns the `refresh` answers and
/// the access tokens each got.
pub(crate) fn race_for_one_expired_token(
    services: &[Arc<Service>],
    clients: usize,
    hold: Duration,
) -> Vec<(String, String)> {
    let barrier = Arc::new(Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            let service = services[client % services.len()].clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                find_and_refresh_if_yours(&service, hold)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// One caller of the SDK's flow through the service: finds ann's token; told `yours`, refreshes
/// it (after `hold`) and saves it. Returns the `refresh` answer and the access token it ends with.
fn find_and_refresh_if_yours(service: &Service, hold: Duration) -> (String, String) {
    let query = json!({"user_name": "ann@zylker.com"});
    let found = service.call("POST", "/v1/tokens/find", Some(&query));
    assert_eq!(found.status, 200, "{found:?}");
    let turn = found.json["refresh"].as_str().unwrap().to_string();
    if turn == "yours" {
        std::thread::sleep(hold);
        let mut refreshed = found.json["token"].clone();
        refreshed["access_token"] = json!("1000.access.refreshed");
        refreshed["expiry_time"] = json!((now_ms() + 3_600_000).to_string());
        let saved = service.call("PUT", "/v1/tokens", Some(&refreshed));
        assert_eq!(saved.status, 200, "{saved:?}");
        return (turn, "1000.access.refreshed".to_string());
    }
    let access = found.json["token"]["access_token"].as_str().unwrap();
    (turn, access.to_string())
}

fn store_expired_token(service: &Service) {
    let expired = sdk_token("ann@zylker.com", now_ms() - 1_000);
    assert_eq!(
        service.call("PUT", "/v1/tokens", Some(&expired)).status,
        200
    );
}

pub(crate) fn assert_one_refresh(answers: &[(String, String)]) {
    let yours = answers.iter().filter(|(turn, _)| turn == "yours").count();
    assert_eq!(yours, 1, "{answers:?}");
    for (turn, access) in answers {
        if turn != "yours" {
            assert_eq!(turn, "refreshed_by_another", "{answers:?}");
            assert_eq!(access, "1000.access.refreshed");
        }
    }
}

#[test]
fn sixteen_clients_at_one_expired_token_make_one_refresh() {
    let scratch = Scratch::new();
    let service = Arc::new(scratch.serve("s", &[]));
    store_expired_token(&service);
    let answers = race_for_one_expired_token(
        std::slice::from_ref(&service),
        16,
        Duration::from_millis(300),
    );
    assert_one_refresh(&answers);
    let metrics = service.call("GET", "/metrics", None).body;
    assert!(
        metrics.contains("tokenvault_refresh_turns_total{turn=\"yours\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tokenvault_refresh_turns_total{turn=\"refreshed_by_another\"} 15"),
        "{metrics}"
    );
}

#[test]
fn two_services_on_one_vault_make_one_refresh_between_them() {
    let scratch = Scratch::new();
    let first = Arc::new(scratch.serve("first", &[]));
    let second = Arc::new(scratch.serve("second", &[]));
    store_expired_token(&first);
    let answers = race_for_one_expired_token(&[first, second], 12, Duration::from_millis(300));
    assert_one_refresh(&answers);
}

#[test]
fn a_holder_that_never_saves_is_taken_over_after_the_lease() {
    let scratch = Scratch::new();
    let service = scratch.serve("s", &["--refresh-lease", "1"]);
    store_expired_token(&service);
    let query = json!({"user_name": "ann@zylker.com"});
    // The first caller gets the lease and is gone (its client killed before it saved).
    let first = service.call("POST", "/v1/tokens/find", Some(&query));
    assert_eq!(first.json["refresh"], "yours");
    // The next waits for the lease, at most its length, then refreshes itself.
    let started = std::time::Instant::now();
    let second = service.call("POST", "/v1/tokens/find", Some(&query));
    assert_eq!(second.json["refresh"], "yours", "{second:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "it waited for the first lease"
    );
}

#[test]
fn a_service_killed_mid_writes_keeps_every_acknowledged_save() {
    let scratch = Scratch::new();
    let mut service = Arc::new(scratch.serve("s", &[]));
    let future = now_ms() + 3_600_000;
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let service = service.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for round in 0.. {
                    let user = format!("w{writer}-{round}@zylker.com");
                    let saved =
                        service.call_checked("PUT", "/v1/tokens", Some(&sdk_token(&user, future)));
                    match saved {
                        Some(answer) if answer.status == 200 => acknowledged.push(user),
                        _ => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    service.signal("KILL");
    let acknowledged: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(!acknowledged.is_empty());
    if let Some(service) = Arc::get_mut(&mut service) {
        service.wait_exit(Duration::from_secs(10));
    }
    drop(service);

    let restarted = scratch.serve("again", &[]);
    for user in &acknowledged {
        let found = restarted.call(
            "POST",
            "/v1/tokens/find?coordinate=false",
            Some(&json!({"user_name": user})),
        );
        assert_eq!(found.status, 200, "acknowledged save of {user} lost");
    }
}

#[test]
fn the_service_and_an_in_process_vault_make_one_refresh_between_them() {
    use tokenvault::{Credential, Location, OpenOptions, RefreshTurn, Token};
    let scratch = Scratch::new();
    let service = Arc::new(scratch.serve("s", &[]));
    store_expired_token(&service);
    // A worker that links the library (as Python's VaultStore does), in this process.
    let key = Credential::key_file(scratch.path("app.key")).unwrap();
    let vault = Arc::new(
        OpenOptions::new()
            .open(Location::parse(scratch.vault()), key)
            .unwrap(),
    );
    let barrier = Arc::new(Barrier::new(12));
    let hold = Duration::from_millis(300);
    let in_process: Vec<_> = (0..6)
        .map(|_| {
            let vault = vault.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut query = Token::new();
                query.user_name = Some("ann@zylker.com".into());
                barrier.wait();
                let (mut token, turn) = vault.find_token_coordinated(&query).unwrap().unwrap();
                match turn {
                    RefreshTurn::Yours => {
                        std::thread::sleep(hold);
                        token.access_token = Some(tokenvault::Secret::new("1000.access.refreshed"));
                        token.expiry_time = Some((now_ms() + 3_600_000).to_string());
                        vault.save_token(&mut token).unwrap();
                        ("yours".to_string(), "1000.access.refreshed".to_string())
                    }
                    RefreshTurn::RefreshedByAnother => (
                        "refreshed_by_another".to_string(),
                        token.access_token.unwrap().expose().to_string(),
                    ),
                    other => (format!("{other:?}"), String::new()),
                }
            })
        })
        .collect();
    let through_service: Vec<_> = (0..6)
        .map(|_| {
            let service = service.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                find_and_refresh_if_yours(&service, hold)
            })
        })
        .collect();
    let answers: Vec<(String, String)> = in_process
        .into_iter()
        .chain(through_service)
        .map(|t| t.join().unwrap())
        .collect();
    assert_one_refresh(&answers);
}
