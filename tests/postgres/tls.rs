//! TLS to a PostgreSQL server (rustls): the role the server admits over TLS only
//! (`tokenvault_tls`, made by .ci/postgres.sh) gets in with `sslmode=require`, `verify-ca` and
//! `verify-full` (with the run's CA as `sslrootcert`), and not without TLS or with a certificate
//! that does not verify (the defaults are shared cases, tests/common/server_cases/tls.rs). Needs
//! `--features postgres`, `TOKENVAULT_TEST_POSTGRES_URL` and a server with TLS whose CA is
//! `TOKENVAULT_TEST_POSTGRES_CA` (.ci/postgres.sh starts one).

use tokenvault::{Error, Location, OpenOptions, Vault};

use crate::common::PASSPHRASE;
use crate::common::postgres::TestDb;
use crate::common::server::{ServerDb, encoded_ca};
use crate::common::workload::{tagged_query, tagged_token};

/// The test database as the TLS-only role, at `host_port`.
fn tls_only_url(db: &TestDb, host_port: &str) -> String {
    let url = url::Url::parse(&db.url).unwrap();
    format!(
        "postgres://tokenvault_tls:{}@{host_port}/{}",
        url.password().unwrap(),
        db.name
    )
}

fn loopback(db: &TestDb) -> String {
    let url = url::Url::parse(&db.url).unwrap();
    format!("{}:{}", url.host_str().unwrap(), url.port().unwrap())
}

#[test]
fn a_tls_only_role_gets_in_with_tls_and_not_without() {
    let Some(db) = TestDb::new("tls") else {
        return;
    };
    let Some(ca) = encoded_ca::<TestDb>() else {
        return;
    };
    let base = tls_only_url(&db, &loopback(&db));

    // Loopback without sslmode: no TLS, which the server refuses for this role.
    let plain = OpenOptions::insecure_for_tests().create(Location::parse(&base), PASSPHRASE);
    assert!(matches!(plain, Err(Error::Server { .. })), "{plain:?}");

    let required = Location::parse(format!("{base}?sslmode=require"));
    let vault = OpenOptions::insecure_for_tests()
        .create(&required, PASSPHRASE)
        .unwrap();
    vault.save_token(&mut tagged_token("tls", 0)).unwrap();
    drop(vault);

    for mode in ["verify-ca", "verify-full"] {
        let location = Location::parse(format!("{base}?sslmode={mode}&sslrootcert={ca}"));
        let vault = Vault::open(&location, PASSPHRASE).unwrap();
        assert!(
            vault.find_token(&tagged_query("tls")).unwrap().is_some(),
            "{mode}"
        );
    }
    // The run's CA is not among the public roots: verification must refuse the server.
    let unverified = Location::parse(format!("{base}?sslmode=verify-full"));
    let refused = Vault::open(&unverified, PASSPHRASE);
    assert!(
        matches!(refused, Err(Error::ServerUnreachable { ref reason, .. }) if reason.contains("certificate")),
        "{refused:?}"
    );
}
