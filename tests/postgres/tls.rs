//! TLS to a PostgreSQL server (rustls): the role the server admits over TLS only
//! (`tokenvault_tls`, made by .ci/postgres.sh) gets in with `sslmode=require`, `verify-ca` and
//! `verify-full` (with the run's CA as `sslrootcert`), and not without TLS or with a certificate
//! that does not verify; a server reached under an address other than loopback gets verified TLS
//! by default. Needs `--features postgres`, `TOKENVAULT_TEST_POSTGRES_URL` and a server with TLS
//! whose CA is `TOKENVAULT_TEST_POSTGRES_CA` (.ci/postgres.sh starts one).

use std::io::Write;

use tokenvault::{Error, Location, OpenOptions, Vault};

use crate::common::PASSPHRASE;
use crate::common::postgres::TestDb;
use crate::common::relay::{non_loopback_address, relay_to};
use crate::common::server::ServerDb;
use crate::common::workload::{tagged_query, tagged_token};

/// A test that cannot run here: a failure under CI (whose server has what it needs), else a
/// line saying why it was skipped.
fn skip(on_ci: &str, why: &str) {
    assert!(std::env::var_os("CI").is_none(), "{on_ci}");
    let _ = writeln!(std::io::stderr(), "postgres_tls: skipped: {why}");
}

/// The test server's CA certificate, encoded for `sslrootcert=`, or `None` after [`skip`].
fn encoded_ca() -> Option<String> {
    let ca = std::env::var("TOKENVAULT_TEST_POSTGRES_CA").ok();
    if ca.is_none() {
        skip(
            "CI's server has TLS: TOKENVAULT_TEST_POSTGRES_CA must be set",
            "the test server has no TLS (set TOKENVAULT_TEST_POSTGRES_CA)",
        );
    }
    ca.map(|ca| url::form_urlencoded::byte_serialize(ca.as_bytes()).collect())
}

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
    let Some(ca) = encoded_ca() else {
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

#[test]
fn without_sslmode_a_remote_server_must_present_a_certificate_for_its_host_name() {
    let Some(db) = TestDb::new("tlsdefault") else {
        return;
    };
    let Some(ca) = encoded_ca() else {
        return;
    };
    let Some(ip) = non_loopback_address() else {
        skip(
            "CI needs an address other than loopback to test a remote server's TLS default",
            "no non-loopback address",
        );
        return;
    };
    let relay = relay_to(loopback(&db), ip);
    // The superuser may log in without TLS: only the client's default can make it TLS.
    let url = url::Url::parse(&db.url).unwrap();
    let remote = format!(
        "postgres://{}:{}@{relay}/{}",
        url.username(),
        url.password().unwrap(),
        db.name
    );
    // The certificate chains to the trusted CA but names 127.0.0.1 and localhost, not the
    // address the URL names: by default that must be refused, as it is with verify-full.
    for url in [
        format!("{remote}?sslrootcert={ca}"),
        format!("{remote}?sslrootcert={ca}&sslmode=verify-full"),
        remote.clone(),
    ] {
        let refused = OpenOptions::insecure_for_tests().create(Location::parse(&url), PASSPHRASE);
        assert!(
            matches!(refused, Err(Error::ServerUnreachable { ref reason, .. }) if reason.contains("certificate")),
            "{}: {refused:?}",
            Location::parse(&url)
        );
    }
    // The relay itself works: the same server, through it, with the name check turned off.
    let checked_ca = Location::parse(format!("{remote}?sslrootcert={ca}&sslmode=verify-ca"));
    OpenOptions::insecure_for_tests()
        .create(&checked_ca, PASSPHRASE)
        .unwrap();
}

#[test]
fn verify_ca_without_a_root_certificate_is_refused_before_connecting() {
    let Some(db) = TestDb::new("tlsverifyca") else {
        return;
    };
    let refused = OpenOptions::insecure_for_tests().create(
        Location::parse(format!("{}?sslmode=verify-ca", db.url)),
        PASSPHRASE,
    );
    assert!(
        matches!(refused, Err(Error::InvalidLocation { ref reason }) if reason.contains("sslrootcert")),
        "{refused:?}"
    );
}
