//! TLS to the server (rustls): a user the server admits over TLS only gets in with
//! `ssl-mode=required`, `verify_ca` and `verify_identity` (with the run's CA as
//! `root_cert_path`), and not without TLS or with a certificate that does not verify. Needs
//! `--features mysql`, `TOKENVAULT_TEST_MYSQL_URL` and a server with TLS whose CA is
//! `TOKENVAULT_TEST_MYSQL_CA` (`.ci/mariadb.sh` starts one).
#![cfg(feature = "mysql")]

use std::io::Write;

use mysql::prelude::Queryable;
use tokenvault::{Error, Location, OpenOptions, Vault};

use crate::common::PASSPHRASE;
use crate::common::mysql::TestDb;
use crate::common::relay::{non_loopback_address, relay_to};
use crate::common::server::ServerDb;
use crate::common::workload::{tagged_query, tagged_token};

fn tls_user() -> String {
    format!("tls{}", std::process::id())
}

/// The test database, reached as a user the server admits over TLS only, over TCP (the driver
/// would otherwise move a loopback connection to the Unix socket).
fn tls_only_url(db: &TestDb) -> String {
    let user = tls_user();
    let mut admin = db.conn();
    for host in ["127.0.0.1", "localhost"] {
        admin
            .query_drop(format!(
                "CREATE USER IF NOT EXISTS '{user}'@'{host}' IDENTIFIED BY 'tls-pw' REQUIRE SSL"
            ))
            .unwrap();
        admin
            .query_drop(format!("GRANT ALL ON `{}`.* TO '{user}'@'{host}'", db.name))
            .unwrap();
    }
    let url = url::Url::parse(&db.url).unwrap();
    format!(
        "mysql://{user}:tls-pw@{}:{}/{}?prefer_socket=false",
        url.host_str().unwrap(),
        url.port().unwrap_or(3306),
        db.name
    )
}

#[test]
fn a_tls_only_user_gets_in_with_tls_and_not_without() {
    let Some(db) = TestDb::new("tls") else {
        return;
    };
    let Some(ca) = ca_path() else {
        return;
    };
    let base = tls_only_url(&db);

    let plain = OpenOptions::insecure_for_tests().create(Location::parse(&base), PASSPHRASE);
    assert!(matches!(plain, Err(Error::Server { .. })), "{plain:?}");

    let required = Location::parse(format!("{base}&ssl-mode=required"));
    let vault = OpenOptions::insecure_for_tests()
        .create(&required, PASSPHRASE)
        .unwrap();
    vault.save_token(&mut tagged_token("tls", 0)).unwrap();
    drop(vault);

    let ca = url::form_urlencoded::byte_serialize(ca.as_bytes()).collect::<String>();
    for mode in ["verify_ca", "verify_identity"] {
        let location = Location::parse(format!("{base}&ssl-mode={mode}&root_cert_path={ca}"));
        let vault = Vault::open(&location, PASSPHRASE).unwrap();
        assert!(
            vault.find_token(&tagged_query("tls")).unwrap().is_some(),
            "{mode}"
        );
    }
    // The run's CA is not among the public roots: verification must refuse the server.
    let unverified = Location::parse(format!("{base}&ssl-mode=verify_identity"));
    let refused = Vault::open(&unverified, PASSPHRASE);
    assert!(
        matches!(refused, Err(Error::ServerUnreachable { ref reason, .. }) if reason.contains("certificate")),
        "{refused:?}"
    );
    let mut admin = db.conn();
    for host in ["127.0.0.1", "localhost"] {
        admin
            .query_drop(format!(
                "DROP USER IF EXISTS '{user}'@'{host}'",
                user = tls_user()
            ))
            .unwrap();
    }
}

/// The run's CA, URL-encoded for `root_cert_path=`; `None` (after saying so) without TLS.
/// A test that cannot run here: a failure under CI (whose server has what it needs), else a
/// line saying why it was skipped.
fn skip(on_ci: &str, why: &str) {
    assert!(std::env::var_os("CI").is_none(), "{on_ci}");
    // Straight to the terminal: libtest captures `eprintln!`, not stderr itself.
    let _ = writeln!(std::io::stderr(), "mysql_tls: skipped: {why}");
}

/// The test server's CA certificate (a PEM path), or `None` after [`skip`].
fn ca_path() -> Option<String> {
    let ca = std::env::var("TOKENVAULT_TEST_MYSQL_CA").ok();
    if ca.is_none() {
        skip(
            "CI's server has TLS: TOKENVAULT_TEST_MYSQL_CA must be set",
            "the test server has no TLS (set TOKENVAULT_TEST_MYSQL_CA)",
        );
    }
    ca
}

/// [`ca_path`], encoded for a URL parameter.
fn encoded_ca() -> Option<String> {
    ca_path().map(|ca| url::form_urlencoded::byte_serialize(ca.as_bytes()).collect())
}

#[test]
fn without_ssl_mode_a_remote_server_must_present_a_certificate_for_its_host_name() {
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
    let url = url::Url::parse(&db.url).unwrap();
    let relay = relay_to(
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(3306)),
        ip,
    );
    let remote = format!(
        "mysql://{}:{}@{relay}/{}",
        url.username(),
        url.password().unwrap_or_default(),
        db.name
    );
    // The certificate chains to the trusted CA but names 127.0.0.1 and localhost, not the
    // address the URL names: by default that must be refused, as it is with verify_identity.
    for url in [
        format!("{remote}?root_cert_path={ca}"),
        format!("{remote}?root_cert_path={ca}&ssl-mode=verify_identity"),
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
    let checked_ca = Location::parse(format!("{remote}?root_cert_path={ca}&ssl-mode=verify_ca"));
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
        Location::parse(format!("{}?ssl-mode=verify_ca", db.url)),
        PASSPHRASE,
    );
    assert!(
        matches!(refused, Err(Error::InvalidLocation { ref reason }) if reason.contains("root_cert_path")),
        "{refused:?}"
    );
}
