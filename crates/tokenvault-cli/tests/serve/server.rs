//! `tokenvault serve` on a server vault (`TOKENVAULT_DATABASE_URL`): two services on one MySQL
//! or PostgreSQL vault, as on two hosts, make one refresh per expiry between them (on demand, and
//! ahead of expiry), and the database password is in no log. Needs `--features mysql` and `TOKENVAULT_TEST_MYSQL_URL`, or
//! `--features postgres` and `TOKENVAULT_TEST_POSTGRES_URL`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::common::server::ServerDb;
use crate::support::{Scratch, now_ms, sdk_token};

#[cfg(feature = "mysql")]
#[test]
fn two_services_on_one_mysql_vault_make_one_refresh_and_never_log_the_password() {
    two_services_make_one_refresh::<crate::common::mysql::TestDb>();
}

#[cfg(feature = "postgres")]
#[test]
fn two_services_on_one_postgres_vault_make_one_refresh_and_never_log_the_password() {
    two_services_make_one_refresh::<crate::common::postgres::TestDb>();
}

fn two_services_make_one_refresh<D: ServerDb>() {
    let Some(db) = D::new("serve") else {
        return;
    };
    let scratch = Scratch::with_env(vec![(
        "TOKENVAULT_DATABASE_URL".into(),
        db.url().to_string(),
    )]);
    let first = Arc::new(scratch.serve("first", &["--verbose"]));
    let second = Arc::new(scratch.serve("second", &["--verbose"]));
    let expired = sdk_token("ann@zylker.com", now_ms() - 1_000);
    assert_eq!(first.call("PUT", "/v1/tokens", Some(&expired)).status, 200);
    let found = second.call(
        "POST",
        "/v1/tokens/find?coordinate=false",
        Some(&json!({"user_name": "ann@zylker.com"})),
    );
    assert_eq!(
        found.status, 200,
        "a save through one service is read through the other"
    );

    let answers = crate::concurrency::race_for_one_expired_token(
        &[first.clone(), second.clone()],
        12,
        Duration::from_millis(300),
    );
    crate::concurrency::assert_one_refresh(&answers);

    let password = url::Url::parse(db.url())
        .unwrap()
        .password()
        .unwrap_or_default()
        .to_string();
    for service in [&first, &second] {
        let log = service.log_text();
        assert!(log.contains("listening"), "{log}");
        assert!(
            password.is_empty() || !log.contains(&password),
            "the password is in the log"
        );
    }
}

#[cfg(feature = "mysql")]
#[test]
fn two_services_on_one_mysql_vault_renew_each_expiry_once() {
    two_services_renew_each_expiry_once::<crate::common::mysql::TestDb>();
}

#[cfg(feature = "postgres")]
#[test]
fn two_services_on_one_postgres_vault_renew_each_expiry_once() {
    two_services_renew_each_expiry_once::<crate::common::postgres::TestDb>();
}

/// `--refresh-ahead` in two services on one server vault (tests/serve/refresh_ahead.rs).
fn two_services_renew_each_expiry_once<D: ServerDb>() {
    let Some(db) = D::new("serve_ahead") else {
        return;
    };
    let scratch = Scratch::with_env(vec![(
        "TOKENVAULT_DATABASE_URL".into(),
        db.url().to_string(),
    )]);
    crate::refresh_ahead::two_services_renew_each_expiry_once(&scratch);
}
