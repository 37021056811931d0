//! A MySQL/MariaDB server for the `mysql_*` tests: `TOKENVAULT_TEST_MYSQL_URL` names it
//! (`.ci/mariadb.sh` starts one and sets it). Each test gets a database of its own, dropped at
//! the end. Without the variable a test prints a visible "skipped" line on the terminal (not
//! through the test harness's capture) and returns; under CI (`CI` set) it fails instead, so CI
//! can never pass these tests silently.

use std::io::Write as _;

use super::server::ServerDb;
use mysql::prelude::Queryable;

pub const URL_VAR: &str = "TOKENVAULT_TEST_MYSQL_URL";

/// The server URL, or `None` after saying the test is skipped.
pub fn server_url(test: &str) -> Option<String> {
    super::server::server_url(
        URL_VAR,
        "MySQL",
        test,
        "source .ci/mariadb.sh && mariadb_start",
    )
}

/// A database of this test's own on the test server, dropped when this is dropped.
pub struct TestDb {
    /// The URL of this database (password included).
    pub url: String,
    pub name: String,
    admin: mysql::Pool,
    /// Made by this process (and dropped by it).
    owned: bool,
}

impl ServerDb for TestDb {
    const SCHEME: &'static str = "mysql";

    fn new(test: &str) -> Option<TestDb> {
        let server = server_url(test)?;
        let name = super::server::new_database_name(test);
        let admin = admin_pool(&with_database(&server, ""));
        admin
            .get_conn()
            .unwrap()
            .query_drop(format!("CREATE DATABASE `{name}`"))
            .expect("create a test database");
        Some(TestDb {
            url: with_database(&server, &name),
            name,
            admin,
            owned: true,
        })
    }

    fn attach(url: String) -> TestDb {
        let name = super::server::database_of(&url);
        let admin = admin_pool(&url);
        TestDb {
            url,
            name,
            admin,
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
        let mut conn = self.conn();
        let tables: Vec<String> = conn.query("SHOW TABLES").unwrap();
        if tables.is_empty() {
            return;
        }
        for table in [
            "tokenvault_header",
            "tokenvault_records",
            "tokenvault_order",
            "tokenvault_index",
        ] {
            conn.query_drop(format!("DELETE FROM {table}")).unwrap();
        }
    }

    const CA_VAR: &'static str = "TOKENVAULT_TEST_MYSQL_CA";
    const TLS_MODE: &'static str = "ssl-mode";
    const CA_FILE: &'static str = "root_cert_path";
    const VERIFY_CA: &'static str = "verify_ca";
    const VERIFY_IDENTITY: &'static str = "verify_identity";
    const DUMPED_RECORDS: &'static str = "INSERT INTO `tokenvault_records`";

    fn kill_sessions_in_a_transaction(&self) -> usize {
        let mut admin = self.conn();
        let ids: Vec<u64> = admin
            .exec(
                "SELECT t.trx_mysql_thread_id FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
                 WHERE p.DB = ?",
                (self.name.as_str(),),
            )
            .unwrap();
        kill(&mut admin, &ids)
    }

    fn kill_other_sessions(&self) -> usize {
        let mut admin = self.conn();
        let ids: Vec<u64> = admin
            .exec(
                "SELECT id FROM information_schema.PROCESSLIST WHERE db = ? AND id <> CONNECTION_ID()",
                (&self.name,),
            )
            .unwrap();
        kill(&mut admin, &ids)
    }

    fn hold_write_lock(&self) -> Box<dyn std::any::Any> {
        let mut conn = self.conn();
        conn.query_drop("START TRANSACTION").unwrap();
        let _: Vec<mysql::Row> = conn
            .query("SELECT * FROM tokenvault_header FOR UPDATE")
            .unwrap();
        Box::new(RolledBack(conn))
    }

    fn dump(&self) -> Vec<u8> {
        let url = url::Url::parse(&self.url).unwrap();
        // The password goes through a private options file, not the command line.
        let mut options = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            options,
            "[client]\nuser={}\npassword={}\nhost={}\nport={}",
            url.username(),
            url.password().unwrap_or_default(),
            url.host_str().unwrap(),
            url.port().unwrap_or(3306)
        )
        .unwrap();
        let out = std::process::Command::new("mysqldump")
            .arg(format!(
                "--defaults-extra-file={}",
                options.path().display()
            ))
            .args(["--protocol=TCP", "--skip-extended-insert", &self.name])
            .output()
            .expect("run mysqldump (apt-get install mariadb-client)");
        assert!(
            out.status.success(),
            "mysqldump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn dbstore_table(&self, tokens: &[tokenvault::Token]) {
        let mut conn = self.conn();
        conn.query_drop(super::dbstore_sdk::CREATE_TABLE).unwrap();
        super::dbstore_sdk::insert(&mut conn, "oauthtoken", tokens);
    }

    fn sealed(&self, id: u64) -> Vec<u8> {
        self.conn()
            .exec_first("SELECT sealed FROM tokenvault_records WHERE id = ?", (id,))
            .unwrap()
            .unwrap()
    }

    fn set_sealed(&self, id: u64, sealed: &[u8]) {
        self.conn()
            .exec_drop(
                "UPDATE tokenvault_records SET sealed = ? WHERE id = ?",
                (sealed, id),
            )
            .unwrap();
    }
}

impl TestDb {
    /// A plain connection to this database, for what the vault does not do (SQL checks, KILL).
    pub fn conn(&self) -> mysql::PooledConn {
        let mut conn = self
            .admin
            .get_conn()
            .expect("connection to the test server");
        conn.query_drop(format!("USE `{}`", self.name))
            .expect("use the test database");
        conn
    }
}

/// `KILL`s each of `ids`; how many were still there to kill. A session that ended between the
/// listing and its `KILL` (MySQL error 1094, unknown thread id) is not counted.
fn kill(admin: &mut mysql::PooledConn, ids: &[u64]) -> usize {
    const UNKNOWN_THREAD: u16 = 1094;
    let mut killed = 0;
    for id in ids {
        match admin.query_drop(format!("KILL {id}")) {
            Ok(()) => killed += 1,
            Err(mysql::Error::MySqlError(e)) if e.code == UNKNOWN_THREAD => {}
            Err(e) => panic!("KILL {id}: {e}"),
        }
    }
    killed
}

/// A connection whose open transaction is rolled back when it is dropped.
struct RolledBack(mysql::PooledConn);

impl Drop for RolledBack {
    fn drop(&mut self) {
        let _ = self.0.query_drop("ROLLBACK");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        if let Ok(mut conn) = self.admin.get_conn() {
            let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}

/// A small pool for the test's own SQL.
fn admin_pool(url: &str) -> mysql::Pool {
    let opts = mysql::Opts::from_url(url).expect("a MySQL URL in TOKENVAULT_TEST_MYSQL_URL");
    let opts = mysql::OptsBuilder::from_opts(opts).pool_opts(
        mysql::PoolOpts::default().with_constraints(mysql::PoolConstraints::new(1, 4).unwrap()),
    );
    mysql::Pool::new(opts).expect("connect to the test server")
}

pub use super::server::with_database;
