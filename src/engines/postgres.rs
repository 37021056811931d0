//! The PostgreSQL engine: the vault's tables in a PostgreSQL database, so several hosts share one
//! vault (FORMAT.md §PostgreSQL schema). Same format, tables and rules as the MySQL engine
//! (`mysql.rs`): the server stores the sealed records, keyed tags and header bytes, and never
//! sees a key or a plaintext.
//!
//! Every vault operation is one transaction. A write transaction runs at READ COMMITTED and first
//! locks the header rows (`SELECT … ORDER BY slot FOR UPDATE`): every write rewrites them, so
//! writers from every host queue there, and each statement after the lock sees every commit made
//! before it, which no other writer can add to until this one commits. (At REPEATABLE READ the
//! snapshot would be taken by the locking statement itself, before the wait, and PostgreSQL would
//! fail every writer that waited with a serialization failure.) Reads run in a REPEATABLE READ,
//! READ ONLY snapshot and take no lock.
//!
//! Timeouts, as the MySQL engine's (README "Many hosts"):
//! - connecting (TCP or socket, TLS, login): the URL's `connect_timeout` (default
//!   [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT)) plus the busy timeout;
//! - every call on a connection: the busy timeout plus the connect timeout, on the client (the
//!   connection is then dropped) and on the server (`statement_timeout`);
//! - waiting for another host's write: the busy timeout, as `lock_timeout`, then
//!   [`Error::Busy`].
//!
//! Split by concept: this file is the engine (the schema, the [`Engine`] methods that run outside
//! a transaction); `postgres/txn.rs` is one transaction and the tables seen through it;
//! `conn.rs` the connections and their pool; `url.rs`, `tls.rs` and `errors.rs` read the URL,
//! set up TLS and map the client's errors.

mod conn;
mod errors;
mod tls;
mod txn;
mod url;

use crate::backoff::with_backoff;
use crate::engines::{Engine, ReadTables, WriteTxn};
use crate::error::Error;
use crate::options::OpenOptions;

use conn::Pool;
use errors::{Errors, Phase};
use url::PgUrl;

/// An unsigned 64-bit number (ids and positions): PostgreSQL has no such integer type.
macro_rules! u64_column {
    ($name:literal) => {
        concat!(
            $name,
            " NUMERIC(20) NOT NULL CHECK (",
            $name,
            " BETWEEN 0 AND 18446744073709551615)"
        )
    };
}

/// The tables of a vault (FORMAT.md §PostgreSQL schema), made in one transaction under an
/// advisory lock: two hosts creating the same vault at once would otherwise race in
/// `CREATE TABLE IF NOT EXISTS`, which PostgreSQL does not make atomic.
const SCHEMA: &str = concat!(
    "BEGIN; SELECT pg_advisory_xact_lock(hashtext('tokenvault schema'));",
    "CREATE TABLE IF NOT EXISTS tokenvault_header (",
    "slot TEXT NOT NULL PRIMARY KEY, ",
    "value BYTEA NOT NULL CHECK (octet_length(value) <= 8192));",
    "CREATE TABLE IF NOT EXISTS tokenvault_records (",
    u64_column!("id"),
    " PRIMARY KEY, sealed BYTEA NOT NULL);",
    "CREATE TABLE IF NOT EXISTS tokenvault_order (",
    u64_column!("seq"),
    " PRIMARY KEY, ",
    u64_column!("id"),
    ");",
    "CREATE TABLE IF NOT EXISTS tokenvault_index (",
    "kind SMALLINT NOT NULL CHECK (kind BETWEEN 0 AND 3), ",
    "tag BYTEA NOT NULL CHECK (octet_length(tag) = 16), ",
    u64_column!("seq"),
    ", ",
    u64_column!("id"),
    ", PRIMARY KEY (kind, tag, seq));",
    "CREATE TABLE IF NOT EXISTS tokenvault_leases (",
    u64_column!("id"),
    " PRIMARY KEY, lease BYTEA NOT NULL CHECK (octet_length(lease) <= 64));",
    "COMMIT;"
);

/// The tables, for `compact` and the size shown by `info`.
const TABLES: &str =
    "tokenvault_header, tokenvault_records, tokenvault_order, tokenvault_index, tokenvault_leases";

/// A vault in a PostgreSQL database.
pub(crate) struct PostgresEngine {
    pool: Pool,
    errors: Errors,
}

impl PostgresEngine {
    /// Connects to the database `url` names (the first connection opens now, so a wrong address
    /// or password is reported here).
    pub(crate) fn connect(url: &str, options: &OpenOptions) -> Result<PostgresEngine, Error> {
        let url = PgUrl::parse(url)?;
        let busy = options.busy_timeout;
        let lock_ms = busy.as_millis().max(1);
        let statement_ms = (busy + url.connect_timeout).as_millis().max(1);
        // Server settings of every session, sent with the login (no extra round trip).
        let session = format!("-c lock_timeout={lock_ms} -c statement_timeout={statement_ms}");
        let errors = Errors {
            shown: url.shown.clone(),
            busy_timeout: busy,
        };
        let engine = PostgresEngine {
            pool: Pool::new(url, session, busy),
            errors,
        };
        drop(
            engine
                .pool
                .get()
                .map_err(|f| engine.errors.map(Phase::Connect, f))?,
        );
        Ok(engine)
    }

    /// Runs `f` on a connection of its own, outside a vault transaction. After a failure the
    /// connection is closed, not given back: a failed batch may leave its transaction open.
    fn outside_transaction<T>(
        &self,
        f: impl FnOnce(&mut conn::Conn) -> Result<T, errors::Failure>,
    ) -> Result<T, Error> {
        let (mut pooled, _) = self
            .pool
            .get()
            .map_err(|f| self.errors.map(Phase::Connect, f))?;
        let conn = pooled
            .conn()
            .ok_or_else(|| Error::internal("a new pooled connection is missing"))?;
        let result = f(conn);
        if result.is_err() {
            pooled.discard();
        }
        result.map_err(|f| self.errors.map(Phase::Transaction, f))
    }

    /// Runs `sql` (no parameters) outside a vault transaction.
    fn run(&self, sql: &str) -> Result<(), Error> {
        self.outside_transaction(|conn| conn.batch(sql))
    }

    /// The one number a query returns, outside a vault transaction.
    fn number(&self, sql: &'static str) -> Result<i64, Error> {
        let rows = self.outside_transaction(|conn| conn.query(sql, &[]))?;
        rows.first()
            .and_then(|row| row.try_get::<_, i64>(0).ok())
            .ok_or_else(|| Error::Server {
                what: format!("the server gave no number for {sql}"),
            })
    }
}

impl Engine for PostgresEngine {
    /// A snapshot that takes no lock; ending it (drop: `ROLLBACK`) releases it.
    fn begin_read(&self) -> Result<Box<dyn ReadTables + '_>, Error> {
        Ok(Box::new(self.begin(true)?))
    }

    /// Locks the header rows first: writers from every host queue there. A deadlock or a
    /// serialization failure while taking that lock (none of tokenvault's own transactions can
    /// cause one; another program's locks on these tables can) is retried on a new transaction,
    /// since nothing was done yet, up to the busy timeout.
    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, Error> {
        let mut last = None;
        let txn = with_backoff(
            self.errors.busy_timeout,
            || {
                let mut txn = self.begin(false)?;
                match txn.lock_header() {
                    Ok(()) => Ok(Some(txn)),
                    Err(e) if txn::is_retryable(&e) => {
                        last = Some(e);
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            },
            |waited| Error::Busy { waited },
        );
        match (txn, last) {
            (Ok(txn), _) => Ok(Box::new(txn)),
            // Still rolled back when the time was up: that, rather than a lock wait, is why.
            (Err(Error::Busy { .. }), Some(rolled_back)) => Err(rolled_back),
            (Err(e), _) => Err(e),
        }
    }

    /// Creates the tables where they do not exist yet.
    fn create_tables(&self) -> Result<(), Error> {
        self.run(SCHEMA)
    }

    /// Whether the header table is empty (a new vault may be written).
    fn is_blank(&self) -> Result<bool, Error> {
        Ok(self.number("SELECT COUNT(*) FROM tokenvault_header")? == 0)
    }

    /// Every PostgreSQL vault has had all its tables from the start: nothing to upgrade.
    fn into_writable(self: Box<Self>) -> Result<Box<dyn Engine>, Error> {
        Ok(self)
    }

    /// The database keeps its tables, without a vault, so the same creation can run again.
    fn discard_new(self: Box<Self>) {}

    /// Rewrites the tables (`VACUUM FULL`), which drops the space, and the old ciphertext, that
    /// deleted and replaced rows left in their pages. The server's WAL, replicas and backups are
    /// out of its reach.
    fn compact(&mut self) -> Result<bool, Error> {
        self.run(&format!("VACUUM FULL {TABLES}"))?;
        Ok(true)
    }

    fn stored_bytes(&self) -> Result<u64, Error> {
        let bytes = self.number(
            "SELECT COALESCE(SUM(pg_total_relation_size(to_regclass(t))), 0)::BIGINT FROM \
             unnest(ARRAY['tokenvault_header', 'tokenvault_records', 'tokenvault_order', \
             'tokenvault_index', 'tokenvault_leases']) AS t",
        )?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }
}
