//! TLS to the server (rustls): a user the server admits over TLS only gets in with
//! `ssl-mode=required`, `verify_ca` and `verify_identity` (with the run's CA as
//! `root_cert_path`), and not without TLS or with a certificate that does not verify. Needs
//! `--features mysql`, `TOKENVAULT_TEST_MYSQL_URL` and a server with TLS whose CA is
//! `TOKENVAULT_TEST_MYSQL_CA` (`.ci/mariadb.sh` starts one).
#![cfg(feature = "mysql")]

use mysql::prelude::Queryable;
use tokenvault::{Error, Location, OpenOptions, Vault};

use crate::common::PASSPHRASE;
use crate::common::mysql::TestDb;
use crate::common::server::{ServerDb, encoded_ca};
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
    let Some(ca) = encoded_ca::<TestDb>() else {
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
