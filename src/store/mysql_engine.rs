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

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use mysql::prelude::{FromRow, Queryable};
use mysql::{Opts, OptsBuilder, Params, Pool, PoolConstraints, PooledConn};

use crate::error::Error;
use crate::index::{IndexKind, Tag};
use crate::store::engine::{Engine, HeaderSlot, ReadStore, RecordVisitor, WriteStore};
use crate::store::location::redact;

/// How long connecting to the server may take before [`Error::ServerUnreachable`], unless the
/// URL's `connect_timeout` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections a vault handle keeps at most (readers run in parallel; writers of one process
/// queue in the group commit and use one).
const POOL_MAX: usize = 16;

/// The tables of a vault (FORMAT.md §MySQL schema). `CREATE … IF NOT EXISTS`, so creating a
/// vault in a database that has them, empty, is allowed.
const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS tokenvault_header (
        slot VARBINARY(16) NOT NULL PRIMARY KEY,
        value VARBINARY(255) NOT NULL
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
];

/// The tables, for `compact` and the size shown by `info`.
const TABLES: [&str; 4] = [
    "tokenvault_header",
    "tokenvault_records",
    "tokenvault_order",
    "tokenvault_index",
];

/// The number of an index in the `kind` column (FORMAT.md §MySQL schema).
fn kind_code(kind: IndexKind) -> u8 {
    match kind {
        IndexKind::UserName => 0,
        IndexKind::AccessToken => 1,
        IndexKind::RefreshToken => 2,
        IndexKind::GrantToken => 3,
    }
}

/// A server URL split into the driver's options and tokenvault's own parameters.
pub(crate) struct ServerUrl {
    pub(crate) opts: OptsBuilder,
    pub(crate) connect_timeout: Duration,
    /// Parameters the caller asked to keep (`table` for a DBStore URL).
    pub(crate) extra: HashMap<String, String>,
    /// The URL without its password, for messages.
    pub(crate) shown: String,
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidLocation {
        reason: reason.into(),
    }
}

impl ServerUrl {
    /// Parses `url`. tokenvault's parameters (`ssl-mode`, `connect_timeout`, and those in
    /// `extra` for the caller) are taken off; the rest go to the driver, which rejects what it
    /// does not know. Messages name parameters, never values, so no password can leak.
    pub(crate) fn parse(url: &str, extra: &[&str]) -> Result<ServerUrl, Error> {
        let shown = redact(url);
        let mut parsed =
            url::Url::parse(url).map_err(|e| invalid(format!("{shown} is not a URL: {e}")))?;
        if !parsed.scheme().eq_ignore_ascii_case("mysql") {
            return Err(invalid(format!("{shown}: the scheme must be mysql://")));
        }
        let database = parsed
            .path_segments()
            .and_then(|mut s| s.next().map(str::to_string))
            .unwrap_or_default();
        if database.is_empty() {
            return Err(invalid(format!(
                "{shown} names no database; write mysql://user@host/DATABASE"
            )));
        }
        let mut ssl_mode = None;
        let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        let mut kept = HashMap::new();
        let mut driver_pairs = Vec::new();
        let mut pool_given = false;
        let mut reset_given = false;
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "ssl-mode" | "ssl_mode" | "sslmode" => ssl_mode = Some(value.to_ascii_lowercase()),
                "connect_timeout" => {
                    connect_timeout = value
                        .parse::<f64>()
                        .ok()
                        .and_then(|s| Duration::try_from_secs_f64(s).ok())
                        .filter(|d| !d.is_zero())
                        .ok_or_else(|| {
                            invalid(format!(
                                "{shown}: connect_timeout must be a positive number of seconds"
                            ))
                        })?;
                }
                k if extra.contains(&k) => {
                    kept.insert(k.to_string(), value.into_owned());
                }
                k => {
                    pool_given |= k == "pool_min" || k == "pool_max";
                    reset_given |= k == "reset_connection";
                    driver_pairs.push((key.into_owned(), value.into_owned()));
                }
            }
        }
        if driver_pairs.is_empty() {
            parsed.set_query(None);
        } else {
            parsed
                .query_pairs_mut()
                .clear()
                .extend_pairs(driver_pairs.iter());
        }
        let opts = Opts::from_url(parsed.as_str()).map_err(|e| invalid(url_error(&shown, e)))?;
        // The driver's own TLS parameters (`root_cert_path`, …) are kept; `ssl-mode` adds to them.
        let ssl = opts.get_ssl_opts().cloned().unwrap_or_default();
        let mut pool = opts.get_pool_opts().clone();
        if !pool_given {
            let constraints = PoolConstraints::new(1, POOL_MAX)
                .ok_or_else(|| invalid("internal: pool constraints"))?;
            pool = pool.with_constraints(constraints);
        }
        if !reset_given {
            // Our transactions leave no session state behind, and a reset would drop the session
            // settings and the prepared statements: two round trips per call.
            pool = pool.with_reset_connection(false);
        }
        let mut builder = OptsBuilder::from_opts(opts)
            .tcp_connect_timeout(Some(connect_timeout))
            .pool_opts(pool);
        builder = match ssl_mode.as_deref() {
            None | Some("disabled") | Some("disable") => builder,
            // Encrypted, but any certificate is accepted (a server's self-signed default).
            Some("required") | Some("require") => builder.ssl_opts(
                ssl.with_danger_accept_invalid_certs(true)
                    .with_danger_skip_domain_validation(true),
            ),
            // The certificate must chain to a trusted root (`root_cert_path=PEM`, else the
            // Mozilla roots), whatever host name it is for.
            Some("verify_ca") | Some("verify-ca") => {
                builder.ssl_opts(ssl.with_danger_skip_domain_validation(true))
            }
            // … and be for the host the URL names.
            Some("verify_identity") | Some("verify-full") | Some("verify_full") => {
                builder.ssl_opts(ssl)
            }
            Some(_) => {
                return Err(invalid(format!(
                    "{shown}: ssl-mode must be disabled, required, verify_ca or verify_identity"
                )));
            }
        };
        Ok(ServerUrl {
            opts: builder,
            connect_timeout,
            extra: kept,
            shown,
        })
    }
}

/// The driver's URL errors, by parameter name only (`InvalidValue` carries the value, which may
/// be a password given as `?password=`).
fn url_error(shown: &str, e: mysql::UrlError) -> String {
    match e {
        mysql::UrlError::UnknownParameter(name) => format!(
            "{shown}: unknown parameter {name:?} (tokenvault's own are ssl-mode and connect_timeout)"
        ),
        mysql::UrlError::InvalidValue(name, _) => {
            format!("{shown}: invalid value for parameter {name:?}")
        }
        mysql::UrlError::FeatureRequired(_, name) => {
            format!("{shown}: parameter {name:?} is not supported by this build")
        }
        mysql::UrlError::InvalidPoolConstraints { min, max } => {
            format!("{shown}: pool_min {min} must not exceed pool_max {max}")
        }
        _ => format!("{shown} is not a usable MySQL URL"),
    }
}

/// Which part of an operation an error came from: it decides what the error can promise.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connect,
    Transaction,
    Commit,
}

/// Server error codes tokenvault gives their own meaning.
mod code {
    pub(super) const BAD_DB: u16 = 1049;
    pub(super) const SERVER_SHUTDOWN: u16 = 1053;
    pub(super) const DUP_ENTRY: u16 = 1062;
    pub(super) const NO_SUCH_TABLE: u16 = 1146;
    pub(super) const LOCK_WAIT_TIMEOUT: u16 = 1205;
    pub(super) const LOCK_DEADLOCK: u16 = 1213;
    /// MariaDB's "Connection was killed".
    pub(super) const CONNECTION_KILLED: u16 = 1927;
    /// MySQL's "Query execution was interrupted" (`KILL QUERY`).
    pub(super) const QUERY_INTERRUPTED: u16 = 1317;
}

/// Turns the driver's errors into typed vault errors.
#[derive(Clone)]
struct Errors {
    shown: String,
    busy_timeout: Duration,
}

impl Errors {
    fn map(&self, phase: Phase, e: mysql::Error) -> Error {
        let lost = |detail: String| -> Error {
            match phase {
                Phase::Connect => Error::ServerUnreachable {
                    server: self.shown.clone(),
                    reason: detail,
                },
                Phase::Transaction => Error::Server {
                    what: format!(
                        "the connection to {} was lost during the transaction ({detail}); the server rolled it back, so the vault is as it was",
                        self.shown
                    ),
                },
                Phase::Commit => Error::Server {
                    what: format!(
                        "the connection to {} was lost while committing ({detail}); the change may or may not have been applied: check the vault before retrying",
                        self.shown
                    ),
                },
            }
        };
        match e {
            mysql::Error::MySqlError(server) => match server.code {
                code::LOCK_WAIT_TIMEOUT => Error::Busy {
                    waited: self.busy_timeout,
                },
                code::BAD_DB => Error::VaultNotFound {
                    path: PathBuf::from(&self.shown),
                },
                code::NO_SUCH_TABLE => Error::NotAVault {
                    path: PathBuf::from(&self.shown),
                },
                code::CONNECTION_KILLED | code::SERVER_SHUTDOWN | code::QUERY_INTERRUPTED => {
                    lost(format!("{} (error {})", server.message, server.code))
                }
                code::LOCK_DEADLOCK => Error::Server {
                    what: format!(
                        "the server broke a deadlock by rolling this transaction back (error {}); nothing was changed, retry",
                        server.code
                    ),
                },
                _ => Error::Server {
                    what: format!("{} (error {})", server.message, server.code),
                },
            },
            mysql::Error::DriverError(mysql::DriverError::Timeout) => Error::Busy {
                waited: self.busy_timeout,
            },
            mysql::Error::DriverError(d) => lost(d.to_string()),
            mysql::Error::IoError(io) => lost(io.to_string()),
            mysql::Error::CodecError(c) => lost(c.to_string()),
            mysql::Error::TlsError(t) => lost(format!("TLS: {t}")),
            mysql::Error::UrlError(u) => invalid(url_error(&self.shown, u)),
            mysql::Error::FromValueError(_) | mysql::Error::FromRowError(_) => {
                Error::corrupted("a tokenvault table holds a value of an unexpected type")
            }
        }
    }
}

/// A vault in a server database.
pub(crate) struct MySqlEngine {
    pool: Pool,
    errors: Errors,
}

impl MySqlEngine {
    /// Connects to the database `url` names (the connection pool opens its first connection
    /// now, so a wrong address or password is reported here).
    pub(crate) fn connect(url: &str, busy_timeout: Duration) -> Result<MySqlEngine, Error> {
        let parsed = ServerUrl::parse(url, &[])?;
        MySqlEngine::with_url(parsed, busy_timeout)
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

    /// Creates the tables where they do not exist yet.
    pub(crate) fn create_tables(&self) -> Result<(), Error> {
        let mut conn = self.conn()?;
        for statement in SCHEMA {
            conn.query_drop(statement)
                .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        }
        Ok(())
    }

    /// Whether the header table is empty (a new vault may be written).
    pub(crate) fn is_blank(&self) -> Result<bool, Error> {
        let mut conn = self.conn()?;
        let count: Option<u64> = conn
            .query_first("SELECT COUNT(*) FROM tokenvault_header")
            .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        Ok(count.unwrap_or(0) == 0)
    }

    fn begin(&self, read_only: bool) -> Result<Txn, Error> {
        let mut conn = self.conn()?;
        let start = if read_only {
            "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
        } else {
            "START TRANSACTION"
        };
        conn.query_drop(start)
            .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        Ok(Txn {
            conn: RefCell::new(Some(conn)),
            errors: self.errors.clone(),
            header: [None, None],
            existed: [false, false],
        })
    }
}

impl Engine for MySqlEngine {
    fn read(&self, f: &mut dyn FnMut(&dyn ReadStore) -> Result<(), Error>) -> Result<(), Error> {
        let txn = self.begin(true)?;
        f(&txn)?;
        // Read-only: ending it releases the snapshot; nothing to make durable.
        txn.finish("COMMIT", Phase::Transaction)
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn WriteStore) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut txn = self.begin(false)?;
        txn.lock_header()?;
        // An error from `f` drops `txn`, which rolls back: nothing changes.
        f(&mut txn)?;
        txn.finish("COMMIT", Phase::Commit)
    }

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

    fn stored_bytes(&self) -> Result<Option<u64>, Error> {
        let mut conn = self.conn()?;
        let bytes: Option<Option<u64>> = conn
            .exec_first(
                "SELECT CAST(SUM(data_length + index_length) AS UNSIGNED) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name IN (?, ?, ?, ?)",
                TABLES.to_vec(),
            )
            .map_err(|e| self.errors.map(Phase::Transaction, e))?;
        Ok(bytes.flatten())
    }
}

/// One transaction on one pooled connection. Dropped without `finish`, it rolls back.
struct Txn {
    /// `None` once finished. A `RefCell` because the read methods take `&self`; each borrow
    /// lasts one statement.
    conn: RefCell<Option<PooledConn>>,
    errors: Errors,
    /// The header entries read under the write lock, kept current by `put_header_entry`.
    header: [Option<Vec<u8>>; 2],
    /// Whether each header entry existed when the lock was taken: a new vault's entries are
    /// inserted, so two hosts creating the same vault at once cannot both succeed.
    existed: [bool; 2],
}

fn slot_index(slot: HeaderSlot) -> usize {
    match slot {
        HeaderSlot::Header => 0,
        HeaderSlot::State => 1,
    }
}

impl Txn {
    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut PooledConn) -> Result<T, mysql::Error>,
    ) -> Result<T, Error> {
        self.with_conn_raw(f)?
            .map_err(|e| self.errors.map(Phase::Transaction, e))
    }

    /// [`Txn::with_conn`] leaving the driver's error to the caller, which knows more about it.
    fn with_conn_raw<T>(
        &self,
        f: impl FnOnce(&mut PooledConn) -> Result<T, mysql::Error>,
    ) -> Result<Result<T, mysql::Error>, Error> {
        let mut guard = self
            .conn
            .try_borrow_mut()
            .map_err(|_| Error::corrupted("internal: nested use of a server transaction"))?;
        let conn = guard
            .as_mut()
            .ok_or_else(|| Error::corrupted("internal: server transaction already finished"))?;
        Ok(f(conn))
    }

    /// Runs a statement that changes rows.
    fn exec(&self, statement: &str, params: impl Into<Params>) -> Result<(), Error> {
        self.with_conn(|c| c.exec_drop(statement, params))
    }

    /// Every row of a query, converted without panicking on an unexpected type.
    fn rows<T: FromRow>(
        &self,
        statement: &str,
        params: impl Into<Params>,
    ) -> Result<Vec<T>, Error> {
        let rows: Vec<mysql::Row> = self.with_conn(|c| c.exec(statement, params))?;
        rows.into_iter()
            .map(|row| {
                mysql::from_row_opt(row).map_err(|_| {
                    Error::corrupted("a tokenvault table holds a value of an unexpected type")
                })
            })
            .collect()
    }

    fn first<T: FromRow>(
        &self,
        statement: &str,
        params: impl Into<Params>,
    ) -> Result<Option<T>, Error> {
        Ok(self.rows(statement, params)?.into_iter().next())
    }

    /// Locks the header rows for this write transaction and reads them.
    fn lock_header(&mut self) -> Result<(), Error> {
        let rows: Vec<(Vec<u8>, Vec<u8>)> =
            self.rows("SELECT slot, value FROM tokenvault_header FOR UPDATE", ())?;
        for (slot, value) in rows {
            for s in [HeaderSlot::Header, HeaderSlot::State] {
                if slot == s.key().as_bytes() {
                    self.header[slot_index(s)] = Some(value.clone());
                    self.existed[slot_index(s)] = true;
                }
            }
        }
        Ok(())
    }

    fn finish(self, statement: &str, phase: Phase) -> Result<(), Error> {
        let mut conn = self
            .conn
            .borrow_mut()
            .take()
            .ok_or_else(|| Error::corrupted("internal: server transaction already finished"))?;
        conn.query_drop(statement)
            .map_err(|e| self.errors.map(phase, e))
    }
}

impl Drop for Txn {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.get_mut().take() {
            // On a lost connection this fails, and the server has rolled back already.
            let _ = conn.query_drop("ROLLBACK");
        }
    }
}

impl ReadStore for Txn {
    fn header_entry(&self, slot: HeaderSlot) -> Result<Option<Vec<u8>>, Error> {
        if let Some(value) = &self.header[slot_index(slot)] {
            return Ok(Some(value.clone()));
        }
        let value: Option<(Vec<u8>,)> = self.first(
            "SELECT value FROM tokenvault_header WHERE slot = ?",
            (slot.key().as_bytes(),),
        )?;
        Ok(value.map(|(v,)| v))
    }

    fn record(&self, id: u64) -> Result<Option<Vec<u8>>, Error> {
        let sealed: Option<(Vec<u8>,)> =
            self.first("SELECT sealed FROM tokenvault_records WHERE id = ?", (id,))?;
        Ok(sealed.map(|(s,)| s))
    }

    fn max_id(&self) -> Result<Option<u64>, Error> {
        let max: Option<(Option<u64>,)> =
            self.first("SELECT MAX(id) FROM tokenvault_records", ())?;
        Ok(max.and_then(|(m,)| m))
    }

    fn last_seq(&self) -> Result<Option<u64>, Error> {
        let max: Option<(Option<u64>,)> =
            self.first("SELECT MAX(seq) FROM tokenvault_order", ())?;
        Ok(max.and_then(|(m,)| m))
    }

    fn count(&self) -> Result<u64, Error> {
        let count: Option<(u64,)> = self.first("SELECT COUNT(*) FROM tokenvault_records", ())?;
        Ok(count.map_or(0, |(c,)| c))
    }

    fn order(&self) -> Result<Vec<(u64, u64)>, Error> {
        self.rows("SELECT seq, id FROM tokenvault_order ORDER BY seq", ())
    }

    fn index_hits(&self, kind: IndexKind, tag: &Tag) -> Result<Vec<(u64, u64)>, Error> {
        self.rows(
            "SELECT seq, id FROM tokenvault_index WHERE kind = ? AND tag = ? ORDER BY seq",
            (kind_code(kind), tag.to_vec()),
        )
    }

    fn each_record(&self, f: RecordVisitor<'_>) -> Result<(), Error> {
        // Fetched first: `f` must not run while the connection is borrowed.
        let records: Vec<(u64, Vec<u8>)> =
            self.rows("SELECT id, sealed FROM tokenvault_records ORDER BY id", ())?;
        for (id, sealed) in records {
            f(id, &sealed)?;
        }
        Ok(())
    }

    fn index_entries(&self, kind: IndexKind) -> Result<Vec<(Tag, u64, u64)>, Error> {
        let rows: Vec<(Vec<u8>, u64, u64)> = self.rows(
            "SELECT tag, seq, id FROM tokenvault_index WHERE kind = ? ORDER BY tag, seq",
            (kind_code(kind),),
        )?;
        rows.into_iter()
            .map(|(tag, seq, id)| {
                let tag: Tag = tag.try_into().map_err(|_| {
                    Error::corrupted("an index entry has a tag of the wrong length")
                })?;
                Ok((tag, seq, id))
            })
            .collect()
    }
}

impl WriteStore for Txn {
    fn put_header_entry(&mut self, slot: HeaderSlot, value: &[u8]) -> Result<(), Error> {
        let i = slot_index(slot);
        if self.existed[i] {
            self.exec(
                "UPDATE tokenvault_header SET value = ? WHERE slot = ?",
                (value, slot.key().as_bytes()),
            )?;
        } else {
            // A plain insert: if another host created the vault since our lock was taken, this
            // fails on the primary key instead of overwriting its header.
            let inserted = self.with_conn_raw(|c| {
                c.exec_drop(
                    "INSERT INTO tokenvault_header (slot, value) VALUES (?, ?)",
                    (slot.key().as_bytes(), value),
                )
            })?;
            match inserted {
                Ok(()) => {}
                Err(mysql::Error::MySqlError(e)) if e.code == code::DUP_ENTRY => {
                    return Err(Error::AlreadyExists {
                        path: PathBuf::from(&self.errors.shown),
                    });
                }
                Err(e) => return Err(self.errors.map(Phase::Transaction, e)),
            }
            self.existed[i] = true;
        }
        self.header[i] = Some(value.to_vec());
        Ok(())
    }

    fn put_record(&mut self, id: u64, sealed: &[u8]) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_records (id, sealed) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE sealed = VALUES(sealed)",
            (id, sealed),
        )
    }

    fn remove_record(&mut self, id: u64) -> Result<(), Error> {
        self.exec("DELETE FROM tokenvault_records WHERE id = ?", (id,))
    }

    fn put_order(&mut self, seq: u64, id: u64) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_order (seq, id) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE id = VALUES(id)",
            (seq, id),
        )
    }

    fn remove_order(&mut self, seq: u64) -> Result<(), Error> {
        self.exec("DELETE FROM tokenvault_order WHERE seq = ?", (seq,))
    }

    fn put_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64, id: u64) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_index (kind, tag, seq, id) VALUES (?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE id = VALUES(id)",
            (kind_code(kind), tag.to_vec(), seq, id),
        )
    }

    fn remove_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64) -> Result<(), Error> {
        self.exec(
            "DELETE FROM tokenvault_index WHERE kind = ? AND tag = ? AND seq = ?",
            (kind_code(kind), tag.to_vec(), seq),
        )
    }

    fn clear_indexes(&mut self) -> Result<(), Error> {
        self.exec("DELETE FROM tokenvault_index", ())
    }

    fn clear_tokens(&mut self) -> Result<(), Error> {
        self.exec("DELETE FROM tokenvault_records", ())?;
        self.exec("DELETE FROM tokenvault_order", ())?;
        self.clear_indexes()
    }
}
