//! The server engine: the vault's tables in a MySQL or MariaDB database, so several hosts share
//! one vault (FORMAT.md §MySQL schema). The server stores the same sealed records, keyed tags
//! and header bytes as the redb file, and never sees a key or a plaintext.
//!
//! Every vault operation is one InnoDB transaction. A write transaction first locks the header
//! rows (`SELECT … FOR UPDATE`): every write rewrites them anyway, so writers from every host
//! queue there, and the next id and insertion position they read after it cannot be taken by
//! anyone else before they commit. Reads run in a consistent snapshot and take no lock.
//!
//! Timeouts (all documented in the README's "Many hosts" section):
//! - connecting: [`DEFAULT_CONNECT_TIMEOUT`] for TCP, or the URL's `connect_timeout` (seconds);
//! - every read and write on a connection: the busy timeout plus the connect timeout, so a
//!   server that stops answering mid-operation fails the call instead of hanging it;
//! - waiting for another host's write: the busy timeout, as InnoDB's lock wait
//!   (whole seconds, at least 1), then [`Error::Busy`].
//!
//! Split by concept: this file is the engine (the schema, connecting, the [`Engine`] methods
//! that run outside a transaction); `mysql/txn.rs` is one transaction and the tables seen
//! through it (`ReadTables`/`WriteTables` as SQL); `url.rs`, `tls.rs` and `errors.rs` read the
//! URL, set up TLS and map the driver's errors.

mod errors;
mod tls;
mod txn;
mod url;

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Pool, PooledConn};

use crate::engines::{Engine, ReadTables, WriteTxn};
use crate::error::Error;
use crate::options::OpenOptions;

use errors::{Errors, Phase};
pub(crate) use url::ServerUrl;

/// The tables of a vault (FORMAT.md §MySQL schema). `CREATE … IF NOT EXISTS`, so creating a
/// vault in a database that has them, empty, is allowed.
const SCHEMA: [&str; 5] = [
    "CREATE TABLE IF NOT EXISTS tokenvault_header (
        slot VARBINARY(16) NOT NULL PRIMARY KEY,
        value VARBINARY(8192) NOT NULL
    ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS tokenvault_records (
        id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        sealed MEDIUMBLOB NOT NULL
    ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS tokenvault_order (
        seq BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        id BIGINT UNSIGNED NOT NULL
    ) ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS tokenvault_index (
        kind TINYINT UNSIGNED NOT NULL,
        tag BINARY(16) NOT NULL,
        seq BIGINT UNSIGNED NOT NULL,
        id BIGINT UNSIGNED NOT NULL,
        PRIMARY KEY (kind, tag, seq)
    ) ENGINE=InnoDB",
    LEASES_SCHEMA,
];

/// Refresh leases (FORMAT.md §Leases). A vault created by an older build lacks the table; an
/// open creates it where the account may (`into_writable`), and reads treat it as empty.
const LEASES_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS tokenvault_leases (
        id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
        lease VARBINARY(64) NOT NULL
    ) ENGINE=InnoDB";

/// A format-2 header (key slots) is up to about 5 KiB; vaults made before it have a 255-byte
/// `value` column, which an open widens where the account may (`widen_header`).
const WIDEN_HEADER: &str = "ALTER TABLE tokenvault_header MODIFY value VARBINARY(8192) NOT NULL";
const HEADER_WIDTH: &str = "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.columns \
    WHERE table_schema = DATABASE() AND table_name = 'tokenvault_header' AND column_name = 'value'";

/// The tables, for `compact` and the size shown by `info`.
const TABLES: [&str; 5] = [
    "tokenvault_header",
    "tokenvault_records",
    "tokenvault_order",
    "tokenvault_index",
    "tokenvault_leases",
];

/// Widens the header table's `value` column when an older build made it narrower.
fn widen_header(conn: &mut PooledConn) -> Result<(), mysql::Error> {
    let width: Option<u64> = conn.query_first(HEADER_WIDTH)?;
    if width.is_some_and(|width| width < 8192) {
        conn.query_drop(WIDEN_HEADER)?;
    }
    Ok(())
}
/// A vault in a server database.
pub(crate) struct MySqlEngine {
    pool: Pool,
    errors: Errors,
}

impl MySqlEngine {
    /// Connects to the database `url` names (the connection pool opens its first connection
    /// now, so a wrong address or password is reported here).
    pub(crate) fn connect(url: &str, options: &OpenOptions) -> Result<MySqlEngine, Error> {
        let parsed = ServerUrl::parse(url, &[])?;
        MySqlEngine::with_url(parsed, options.busy_timeout)
    }

    fn with_url(url: ServerUrl, busy_timeout: Duration) -> Result<MySqlEngine, Error> {
        let wait_seconds = busy_timeout.as_secs_f64().ceil().max(1.0) as u64;
        let io_timeout = busy_timeout + url.connect_timeout;
        let opts = url
            .opts
            .read_timeout(Some(io_timeout))
            .write_timeout(Some(io_timeout))
            .stmt_cache_size(Some(64))
            .init(vec![
                // A reader's snapshot must hold for all its statements, whatever the server's
                // default; a writer's reads come after its lock, so they see the latest commit.
                "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ".to_string(),
                format!(
                    "SET SESSION innodb_lock_wait_timeout = {wait_seconds}, lock_wait_timeout = {wait_seconds}, sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
                ),
            ]);
        let errors = Errors {
            shown: url.shown,
            busy_timeout,
        };
        let pool = Pool::new(opts).map_err(|e| errors.map(Phase::Connect, e))?;
        Ok(MySqlEngine { pool, errors })
    }

    fn conn(&self) -> Result<PooledConn, Error> {
        self.pool
            .try_get_conn(self.errors.busy_timeout)
            .map_err(|e| self.errors.map(Phase::Connect, e))
    }
}

impl Engine for MySqlEngine {
    /// A snapshot that takes no lock; ending it (drop: `ROLLBACK`) releases it.
    fn begin_read(&self) -> Result<Box<dyn ReadTables + '_>, Error> {
        Ok(Box::new(self.begin(true)?))
    }

    /// Locks the header rows first: writers from every host queue there.
    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, Error> {
        let mut txn = self.begin(false)?;
        txn.lock_header()?;
        Ok(Box::new(txn))
    }

    /// Creates the tables where they do not exist yet.
    fn create_tables(&self) -> Result<(), Error> {
        let mut conn = self.conn()?;
        for statement in SCHEMA {
            conn.query_drop(statement)
                .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        }
        // Empty tables left by an older build keep their old column: widen it for this header.
        widen_header(&mut conn).map_err(|e| self.errors.map(Phase::Transaction, e))
    }

    /// Whether the header table is empty (a new vault may be written).
    fn is_blank(&self) -> Result<bool, Error> {
        let mut conn = self.conn()?;
        let count: Option<u64> = conn
            .query_first("SELECT COUNT(*) FROM tokenvault_header")
            .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        Ok(count.unwrap_or(0) == 0)
    }

    /// Adds the leases table to a vault created by an older build, and widens its header
    /// column for key slots, where the account may alter tables; without that, reads see no
    /// lease and taking one, or upgrading to format 2, fails with a clear error.
    fn into_writable(self: Box<Self>) -> Result<Box<dyn Engine>, Error> {
        if let Ok(mut conn) = self.conn() {
            let _ = conn.query_drop(LEASES_SCHEMA);
            let _ = widen_header(&mut conn);
        }
        Ok(self)
    }

    /// The database keeps its tables, without a vault, so the same creation can run again.
    fn discard_new(self: Box<Self>) {}

    /// Rebuilds the tables (`OPTIMIZE TABLE`), which drops the space, and the old ciphertext,
    /// that deleted and replaced records left in InnoDB's pages. The server's own logs and
    /// backups are out of its reach.
    fn compact(&mut self) -> Result<bool, Error> {
        let mut conn = self.conn()?;
        let statement = format!("OPTIMIZE TABLE {}", TABLES.join(", "));
        // OPTIMIZE reports per-table problems as rows, not as an error.
        let rows: Vec<mysql::Row> = conn
            .query(statement)
            .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        for row in rows {
            let kind: Option<String> = row.get_opt(2).and_then(Result::ok);
            let text: Option<String> = row.get_opt(3).and_then(Result::ok);
            if kind.as_deref() == Some("error") {
                return Err(Error::Server {
                    what: format!(
                        "OPTIMIZE TABLE failed: {}",
                        text.unwrap_or_else(|| "no reason given".into())
                    ),
                });
            }
        }
        Ok(true)
    }

    fn stored_bytes(&self) -> Result<u64, Error> {
        let mut conn = self.conn()?;
        let bytes: Option<Option<u64>> = conn
            .exec_first(
                "SELECT CAST(SUM(data_length + index_length) AS UNSIGNED) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name IN (?, ?, ?, ?, ?)",
                TABLES.to_vec(),
            )
            .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        Ok(bytes.flatten().unwrap_or(0))
    }
}
