//! A PostgreSQL server for the PostgreSQL tests: `TOKENVAULT_TEST_POSTGRES_URL` names it
//! (`.ci/postgres.sh` starts one and sets it). Each test gets a database of its own, dropped at
//! the end. Without the variable a test prints a visible "skipped" line on the terminal and
//! returns; under CI (`CI` set) it fails instead, so CI can never pass these tests silently.

use postgres::{Client, NoTls};

use super::server::ServerDb;

pub const URL_VAR: &str = "TOKENVAULT_TEST_POSTGRES_URL";

/// The server URL, or `None` after saying the test is skipped.
pub fn server_url(test: &str) -> Option<String> {
    super::server::server_url(
        URL_VAR,
        "PostgreSQL",
        test,
        "source .ci/postgres.sh && postgres_start",
    )
}

/// A database of this test's own on the test server, dropped when this is dropped.
pub struct TestDb {
    /// The URL of this database (password included).
    pub url: String,
    pub name: String,
    /// Made by this process (and dropped by it).
    owned: bool,
}

/// A connection to `url` for the test's own SQL.
pub fn client(url: &str) -> Client {
    Client::connect(url, NoTls).expect("connect to the PostgreSQL test server")
}

/// A session whose open transaction is rolled back when it is dropped.
struct RolledBack(Client);

impl Drop for RolledBack {
    fn drop(&mut self) {
        let _ = self.0.batch_execute("ROLLBACK");
    }
}

impl TestDb {
    /// Terminates the sessions of this database but the caller's (those in a transaction
    /// only, if `only_in_a_transaction`); how many.
    fn terminate(&self, only_in_a_transaction: bool) -> usize {
        self.client()
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND (NOT $1 OR xact_start IS NOT NULL)",
                &[&only_in_a_transaction],
            )
            .unwrap()
            .len()
    }

    /// A plain connection to this database, for what the vault does not do (SQL checks,
    /// terminating sessions).
    pub fn client(&self) -> Client {
        client(&self.url)
    }
}

impl ServerDb for TestDb {
    const SCHEME: &'static str = "postgres";

    fn new(test: &str) -> Option<TestDb> {
        let server = server_url(test)?;
        let name = super::server::new_database_name(test);
        client(&server)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a test database");
        Some(TestDb {
            url: super::server::with_database(&server, &name),
            name,
            owned: true,
        })
    }

    fn attach(url: String) -> TestDb {
        let name = super::server::database_of(&url);
        TestDb {
            url,
            name,
            owned: false,
        }
    }

    fn server_named(test: &str) -> bool {
        server_url(test).is_some()
    }

    fn url(&self) -> &str {
        &self.url
    }

    fn wipe_if_created(&self) {
        let mut client = self.client();
        let exists: bool = client
            .query_one("SELECT to_regclass('tokenvault_header') IS NOT NULL", &[])
            .unwrap()
            .get(0);
        if exists {
            client
                .batch_execute(
                    "DELETE FROM tokenvault_header; DELETE FROM tokenvault_records; \
                     DELETE FROM tokenvault_order; DELETE FROM tokenvault_index; \
                     DELETE FROM tokenvault_leases",
                )
                .unwrap();
        }
    }

    const CA_VAR: &'static str = "TOKENVAULT_TEST_POSTGRES_CA";
    const TLS_MODE: &'static str = "sslmode";
    const CA_FILE: &'static str = "sslrootcert";
    const VERIFY_CA: &'static str = "verify-ca";
    const VERIFY_IDENTITY: &'static str = "verify-full";
    const DUMPED_RECORDS: &'static str = "INSERT INTO public.tokenvault_records";

    fn kill_sessions_in_a_transaction(&self) -> usize {
        self.terminate(true)
    }

    fn kill_other_sessions(&self) -> usize {
        self.terminate(false)
    }

    fn hold_write_lock(&self) -> Box<dyn std::any::Any> {
        let mut client = self.client();
        client
            .batch_execute("BEGIN; SELECT * FROM tokenvault_header FOR UPDATE")
            .unwrap();
        Box::new(RolledBack(client))
    }

    /// `pg_dump`, bytea in the escape format: printable bytes as they are (the hex format would
    /// hide a value stored in the clear, and could spell a number such as an expiry time by
    /// chance).
    fn dump(&self) -> Vec<u8> {
        let url = url::Url::parse(&self.url).unwrap();
        // The password goes through the environment, not the command line.
        let out = std::process::Command::new("pg_dump")
            .env("PGPASSWORD", url.password().unwrap())
            .env("PGOPTIONS", "-c bytea_output=escape")
            .args(["-h", url.host_str().unwrap(), "-p"])
            .arg(url.port().unwrap().to_string())
            .args(["-U", url.username(), "--inserts", &self.name])
            .output()
            .expect("run pg_dump (apt-get install postgresql-client)");
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn dbstore_table(&self, tokens: &[tokenvault::Token]) {
        dbstore_table(&mut self.client(), tokens);
    }

    fn sealed(&self, id: u64) -> Vec<u8> {
        self.client()
            .query_one(
                "SELECT sealed FROM tokenvault_records WHERE id = $1::text::numeric",
                &[&id.to_string()],
            )
            .unwrap()
            .get(0)
    }

    fn set_sealed(&self, id: u64, sealed: &[u8]) {
        self.client()
            .execute(
                "UPDATE tokenvault_records SET sealed = $1 WHERE id = $2::text::numeric",
                &[&sealed, &id.to_string()],
            )
            .unwrap();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        if let Ok(mut admin) =
            Client::connect(&super::server::with_database(&self.url, "postgres"), NoTls)
        {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The SDK's DBStore table (tests/common/dbstore_sdk.rs) in PostgreSQL's words, filled with
/// `tokens` as the SDK's `save_token` would: the plaintext layout the dump is compared with.
pub fn dbstore_table(client: &mut Client, tokens: &[tokenvault::Token]) {
    client
        .batch_execute(&super::dbstore_sdk::CREATE_TABLE.replace('`', "\""))
        .expect("create the DBStore table");
    let insert = client
        .prepare(
            "insert into oauthtoken (id,user_name,client_id,client_secret,refresh_token,\
             access_token,grant_token,expiry_time,redirect_url,api_domain) \
             values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .unwrap();
    for t in tokens {
        let row: Vec<Option<&str>> = tokenvault::Token::FIELDS
            .iter()
            .map(|f| t.field(f))
            .collect();
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> = row
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        client
            .execute(&insert, &params)
            .expect("insert a DBStore row");
    }
}
