//! SQLite (or, in the `sqlcipher` build, SQLCipher) with the SDK's `oauthtoken` schema, done
//! well: an index on each looked-up column, cached prepared statements, bound parameters, WAL
//! with `synchronous=FULL` (durable commits), a transaction around each update-or-insert, and a
//! connection per concurrent caller.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior};
use tokenvault::{Token, filestore};

use crate::rules::{self, Selector};
use crate::{KeyMode, PASSPHRASE, Store};

/// The SDK's `oauthtoken` table (its DBStore's schema), its four lookup indexes, and one index
/// on the numeric id so that `max(id) + 1` does not scan the table.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS oauthtoken (
    id varchar(10) NOT NULL,
    user_name varchar(255),
    client_id varchar(255),
    client_secret varchar(255),
    refresh_token varchar(255),
    access_token varchar(255),
    grant_token varchar(255),
    expiry_time varchar(20),
    redirect_url varchar(255),
    api_domain varchar(255),
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS oauthtoken_user_name ON oauthtoken (user_name);
CREATE INDEX IF NOT EXISTS oauthtoken_access_token ON oauthtoken (access_token);
CREATE INDEX IF NOT EXISTS oauthtoken_refresh_token ON oauthtoken (refresh_token);
CREATE INDEX IF NOT EXISTS oauthtoken_grant_token ON oauthtoken (grant_token);
CREATE INDEX IF NOT EXISTS oauthtoken_id_number ON oauthtoken (CAST(id AS INTEGER));
";

const COLUMNS: &str = "rowid, id, user_name, client_id, client_secret, refresh_token, \
                       access_token, grant_token, expiry_time, redirect_url, api_domain";

/// A SQLite database file, one writer connection that every write transaction takes in turn
/// (threads queue on a mutex rather than on SQLite's sleeping busy handler), and a pool of
/// reader connections (WAL lets them read while a write is in progress).
pub struct SqlStore {
    path: PathBuf,
    mode: KeyMode,
    writer: Mutex<Connection>,
    pool: Mutex<Vec<Connection>>,
}

/// Opens a connection: key (SQLCipher), busy timeout, WAL, `synchronous=FULL`.
pub fn connect(path: &Path, mode: KeyMode) -> Connection {
    let conn = Connection::open(path).expect("open sqlite");
    if cfg!(feature = "sqlcipher") {
        conn.pragma_update(None, "key", PASSPHRASE).expect("key");
        if mode == KeyMode::Tiny {
            conn.pragma_update(None, "kdf_iter", 1).expect("kdf_iter");
        }
    }
    conn.busy_timeout(Duration::from_secs(60)).expect("busy");
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    conn
}

/// Opens the database and reads its schema: what a process pays before its first operation.
pub fn open_and_touch(path: &Path, mode: KeyMode) -> Connection {
    let conn = connect(path, mode);
    let _: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .expect("read schema");
    conn
}

type Row = (i64, Token);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let mut values = Vec::with_capacity(10);
    for i in 1..=10 {
        values.push(r.get::<_, Option<String>>(i)?);
    }
    Ok((r.get(0)?, rules::from_fields(values)))
}

fn lookup(conn: &Connection, sel: Selector<'_>) -> Option<Row> {
    let one = |sql: &str, params: &[&dyn ToSql]| {
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM oauthtoken WHERE {sql}"))
            .expect("prepare")
            .query_row(params, read_row)
            .optional()
            .expect("query")
    };
    match sel {
        Selector::UserName(v) => one("user_name = ?1 ORDER BY rowid LIMIT 1", &[&v]),
        Selector::Access(v) => one("access_token = ?1 ORDER BY rowid LIMIT 1", &[&v]),
        Selector::GrantOrRefresh(g, r) => one(
            "grant_token = ?1 OR refresh_token = ?2 ORDER BY rowid LIMIT 1",
            &[&g, &r],
        ),
        Selector::Id(id) => one("id = ?1", &[&id]),
        Selector::Nothing => None,
    }
}

/// `save_token` inside an open transaction.
fn save_in(conn: &Connection, token: &mut Token) {
    let existing = match token.id.clone() {
        Some(id) => lookup(conn, Selector::Id(&id)),
        None => lookup(conn, rules::select(token, false)),
    };
    match existing {
        Some((rowid, row)) => {
            rules::merge(token, &row);
            let fields = rules::fields(token);
            let mut params: Vec<&dyn ToSql> = fields.iter().map(|f| f as &dyn ToSql).collect();
            params.push(&rowid);
            conn.prepare_cached(
                "UPDATE oauthtoken SET id = ?1, user_name = ?2, client_id = ?3, \
                 client_secret = ?4, refresh_token = ?5, access_token = ?6, grant_token = ?7, \
                 expiry_time = ?8, redirect_url = ?9, api_domain = ?10 WHERE rowid = ?11",
            )
            .expect("prepare")
            .execute(params.as_slice())
            .expect("update");
        }
        None => {
            if token.id.is_none() {
                let max: Option<i64> = conn
                    .prepare_cached(
                        "SELECT CAST(id AS INTEGER) FROM oauthtoken \
                         ORDER BY CAST(id AS INTEGER) DESC LIMIT 1",
                    )
                    .expect("prepare")
                    .query_row([], |r| r.get(0))
                    .optional()
                    .expect("max id");
                token.id = Some((max.unwrap_or(0) + 1).to_string());
            }
            let fields = rules::fields(token);
            conn.prepare_cached(
                "INSERT INTO oauthtoken (id, user_name, client_id, client_secret, refresh_token, \
                 access_token, grant_token, expiry_time, redirect_url, api_domain) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .expect("prepare")
            .execute(rusqlite::params_from_iter(fields.iter()))
            .expect("insert");
        }
    }
}

impl SqlStore {
    /// A new database in `dir`.
    pub fn create(dir: &Path, mode: KeyMode) -> Self {
        let path = dir.join("tokens.db");
        let conn = connect(&path, mode);
        conn.execute_batch(SCHEMA).expect("schema");
        SqlStore {
            writer: Mutex::new(connect(&path, mode)),
            path,
            mode,
            pool: Mutex::new(vec![conn]),
        }
    }

    /// The database [`SqlStore::create`] made in `dir`.
    pub fn open_in(dir: &Path, mode: KeyMode) -> Self {
        let path = dir.join("tokens.db");
        SqlStore {
            writer: Mutex::new(connect(&path, mode)),
            pool: Mutex::new(vec![connect(&path, mode)]),
            path,
            mode,
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled connection (a new one when every pooled one is in use).
    fn with<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        let pooled = self.pool.lock().expect("pool").pop();
        let mut conn = pooled.unwrap_or_else(|| connect(&self.path, self.mode));
        let result = f(&mut conn);
        self.pool.lock().expect("pool").push(conn);
        result
    }

    fn in_transaction(&self, f: impl FnOnce(&Connection)) {
        let mut conn = self.writer.lock().expect("writer");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("begin");
        f(&tx);
        tx.commit().expect("commit");
    }
}

impl Store for SqlStore {
    fn name(&self) -> &'static str {
        if cfg!(feature = "sqlcipher") {
            "sqlcipher"
        } else {
            "sqlite"
        }
    }

    fn find(&self, query: &Token) -> Option<Token> {
        self.with(|conn| {
            let (_, row) = lookup(conn, rules::select(query, true))?;
            let mut found = query.clone();
            rules::merge(&mut found, &row);
            Some(found)
        })
    }

    fn find_by_id(&self, id: &str) -> Option<Token> {
        self.with(|conn| lookup(conn, Selector::Id(id)).map(|(_, t)| t))
    }

    fn save(&self, token: &mut Token) {
        self.in_transaction(|tx| save_in(tx, token));
    }

    fn save_batch(&self, tokens: &mut [Token]) {
        self.in_transaction(|tx| tokens.iter_mut().for_each(|t| save_in(tx, t)));
    }

    fn get_all(&self) -> Vec<Token> {
        self.with(|conn| {
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM oauthtoken ORDER BY rowid"))
                .expect("prepare")
                .query_map([], read_row)
                .expect("query")
                .map(|r| r.expect("row").1)
                .collect()
        })
    }

    fn delete(&self, id: &str) {
        self.in_transaction(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM oauthtoken WHERE id = ?1")
                .expect("prepare")
                .execute([id])
                .expect("delete");
            assert_eq!(n, 1, "no token {id}");
        });
    }

    fn import_csv(&self, csv: &[u8]) {
        let mut tokens = filestore::parse(csv).expect("parse");
        self.in_transaction(|tx| tokens.iter_mut().for_each(|t| save_in(tx, t)));
    }

    fn compact_and_measure(&mut self) -> u64 {
        self.pool.lock().expect("pool").clear();
        let conn = self.writer.lock().expect("writer");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        conn.execute_batch("VACUUM").expect("vacuum");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        let size = |p: PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        size(self.path.clone()) + size(wal.into())
    }

    /// Readers only: writes share the one writer connection.
    fn warm(&self, callers: usize) {
        let mut pool = self.pool.lock().expect("pool");
        while pool.len() < callers {
            pool.push(connect(&self.path, self.mode));
        }
    }
}
