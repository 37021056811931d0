//! What the server engines' shared test cases (`server_cases/`) need of a test database, whatever
//! the server: each engine's `TestDb` (`mysql.rs`, `postgres.rs`) implements it, and each engine's
//! test binary runs the same cases against its own server.

use std::io::Write as _;

use tokenvault::{Location, OpenOptions, Vault};

use super::PASSPHRASE;

/// The URL in `var`, or `None` after saying the test is skipped: without a server, a test prints
/// a visible "skipped" line on the terminal (not through the test harness's capture) and
/// returns; under CI (`CI` set) it fails instead, so CI can never pass it silently. `start` says
/// how to start a server.
pub fn server_url(var: &str, engine: &str, test: &str, start: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: CI must run the {engine} tests against a server; {var} is not set"
            );
            // Straight to the terminal: libtest captures `eprintln!`, not stderr itself.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: skipped: no {engine} server (set {var}, e.g. `{start}`)"
            );
            None
        }
    }
}

/// A test that cannot run here: a failure under CI (whose servers have what it needs), else a
/// line saying why it was skipped.
pub fn skip(on_ci: &str, why: &str) {
    assert!(std::env::var_os("CI").is_none(), "{on_ci}");
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// The test server's CA certificate (a PEM path, from `D::CA_VAR`), encoded for a URL
/// parameter, or `None` after [`skip`].
pub fn encoded_ca<D: ServerDb>() -> Option<String> {
    let ca = std::env::var(D::CA_VAR).ok();
    if ca.is_none() {
        skip(
            &format!("CI's servers have TLS: {} must be set", D::CA_VAR),
            &format!("the test server has no TLS (set {})", D::CA_VAR),
        );
    }
    ca.map(|ca| url::form_urlencoded::byte_serialize(ca.as_bytes()).collect())
}

/// The name of a new database for `test`: its letters and digits, this process, a counter.
pub fn new_database_name(test: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    format!(
        "tvtest_{}_{}_{}",
        test.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(24)
            .collect::<String>()
            .to_ascii_lowercase(),
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// The database a server URL names.
pub fn database_of(url: &str) -> String {
    url.rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .unwrap_or_default()
        .to_string()
}

/// A database of a test's own on a test server, dropped when this is dropped.
pub trait ServerDb: Sized + Sync {
    /// The URL scheme of the server's engine (`mysql`, `postgres`).
    const SCHEME: &'static str;
    /// A new, empty database; `None` (after saying the test is skipped) without a server.
    fn new(test: &str) -> Option<Self>;
    /// An existing database (made by another process of the same test); dropped by its maker.
    fn attach(url: String) -> Self;
    /// Whether a server is named (else the test says it is skipped, or fails under CI).
    fn server_named(test: &str) -> bool;
    /// The URL of this database, password included.
    fn url(&self) -> &str;
    /// The URL of another database on the same server.
    fn url_of(&self, database: &str) -> String {
        with_database(self.url(), database)
    }
    /// Removes every row of the vault's tables where they exist, so `create_vault` can make a
    /// new vault (faster than a new database for each of hundreds of cases).
    fn wipe_if_created(&self);
    /// The sealed record of `id`, read behind the vault's back.
    fn sealed(&self, id: u64) -> Vec<u8>;
    /// Replaces the sealed record of `id` behind the vault's back.
    fn set_sealed(&self, id: u64, sealed: &[u8]);

    /// Kills every session of this database that has a transaction open; how many.
    fn kill_sessions_in_a_transaction(&self) -> usize;
    /// Kills every session of this database but the caller's own; how many.
    fn kill_other_sessions(&self) -> usize;
    /// Another host's write transaction, stopped while it holds the lock on the header rows
    /// every write takes; rolled back when the guard is dropped.
    fn hold_write_lock(&self) -> Box<dyn std::any::Any>;
    /// The server's dump of this database (`mysqldump`, `pg_dump`), with binary values as bytes
    /// where they are printable, so a value stored in the clear would show.
    fn dump(&self) -> Vec<u8>;
    /// What the dump holds where it holds the records (checks that it does).
    const DUMPED_RECORDS: &'static str;
    /// The SDK's DBStore table `oauthtoken` in this database, holding `tokens` in the clear.
    fn dbstore_table(&self, tokens: &[tokenvault::Token]);

    /// The variable naming the test server's CA certificate (a PEM path), for the TLS tests.
    const CA_VAR: &'static str;
    /// The URL parameters naming a TLS mode and a CA file (`ssl-mode`, `root_cert_path`;
    /// `sslmode`, `sslrootcert`) and the modes that check the chain only, and the name too.
    const TLS_MODE: &'static str;
    const CA_FILE: &'static str;
    const VERIFY_CA: &'static str;
    const VERIFY_IDENTITY: &'static str;
    /// This database at `host_port` (a relay to the server), with the test URL's user and
    /// password, and no parameter.
    fn url_at(&self, host_port: &str) -> String {
        let url = url::Url::parse(self.url()).unwrap();
        format!(
            "{}://{}:{}@{host_port}{}",
            Self::SCHEME,
            url.username(),
            url.password().unwrap_or_default(),
            url.path()
        )
    }

    fn location(&self) -> Location {
        Location::parse(self.url())
    }

    /// A vault with the test passphrase and tiny KDF parameters in this database.
    fn create_vault(&self) -> Vault {
        OpenOptions::insecure_for_tests()
            .create(self.location(), PASSPHRASE)
            .expect("create a vault on the server")
    }

    fn open_vault(&self) -> Vault {
        // Tests change the tiny passphrase key of their vaults: the explicit opt-in.
        OpenOptions::insecure_for_tests()
            .open(self.location(), PASSPHRASE)
            .expect("open the vault on the server")
    }
}

/// `url` with its database replaced by `database` (query parameters kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}
