//! One transaction of the PostgreSQL engine on one pooled connection, and the vault's tables
//! seen through it: [`ReadTables`] as `SELECT`s, [`WriteTables`] as `INSERT … ON CONFLICT DO
//! UPDATE` and `DELETE`s, the header rows locked first by a writer.
//!
//! Ids and positions are `u64`, stored as `NUMERIC(20)` (PostgreSQL has no unsigned 64-bit
//! integer), so they travel as decimal text: `$1::text::numeric` in, `column::text` out. An
//! `ORDER BY` names the table's column (`o.seq`): a bare `seq` would be the text output column
//! of the same name, sorted as text ("10" before "9").

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use tokio_postgres::Row;
use tokio_postgres::types::{FromSqlOwned, ToSql};

use super::PostgresEngine;
use super::conn::{Conn, Pooled};
use super::errors::{Errors, Failure, Phase};
use crate::blind_index::{IndexKind, Tag};
use crate::engines::{HeaderEntry, ReadTables, RecordVisitor, WriteTables, WriteTxn};
use crate::error::Error;

/// The number of an index in the `kind` column (FORMAT.md §PostgreSQL schema).
fn kind_code(kind: IndexKind) -> i16 {
    match kind {
        IndexKind::UserName => 0,
        IndexKind::AccessToken => 1,
        IndexKind::RefreshToken => 2,
        IndexKind::GrantToken => 3,
    }
}

fn unexpected() -> Error {
    Error::corrupted("a tokenvault table holds a value of an unexpected type")
}

/// Column `i` of `row`, without panicking on an unexpected type.
fn column<T: FromSqlOwned>(row: &Row, i: usize) -> Result<T, Error> {
    row.try_get(i).map_err(|_| unexpected())
}

/// A `u64` sent as `NUMERIC(20)` text.
fn number(row: &Row, i: usize) -> Result<u64, Error> {
    column::<String>(row, i)?.parse().map_err(|_| unexpected())
}

fn optional_number(row: &Row, i: usize) -> Result<Option<u64>, Error> {
    column::<Option<String>>(row, i)?
        .map(|n| n.parse().map_err(|_| unexpected()))
        .transpose()
}

/// Whether `e` is a transaction the server rolled back to break a deadlock or keep transactions
/// serializable (the message `errors.rs` gives them).
pub(super) fn is_retryable(e: &Error) -> bool {
    matches!(e, Error::Server { what } if what.starts_with(super::errors::ROLLED_BACK_TO_SERIALIZE))
}

fn pairs(rows: Vec<Row>) -> Result<Vec<(u64, u64)>, Error> {
    rows.iter()
        .map(|row| Ok((number(row, 0)?, number(row, 1)?)))
        .collect()
}

/// Writers run at READ COMMITTED behind the header lock, readers in a REPEATABLE READ snapshot
/// (FORMAT.md §PostgreSQL schema says why).
const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE";

impl PostgresEngine {
    pub(super) fn begin(&self, read_only: bool) -> Result<Txn<'_>, Error> {
        let begin = if read_only { BEGIN_READ } else { BEGIN_WRITE };
        // An idle connection the server has closed since (a restart, an administrator, an idle
        // timeout) fails at BEGIN, before anything was done: try once more on a new one.
        let mut retried = false;
        loop {
            let (mut pooled, reused) = self
                .pool
                .get()
                .map_err(|f| self.errors.map(Phase::Connect, f))?;
            let conn = pooled
                .conn()
                .ok_or_else(|| Error::internal("a new pooled connection is missing"))?;
            match conn.batch(begin) {
                Ok(()) => {
                    return Ok(Txn {
                        conn: RefCell::new(Some(pooled)),
                        errors: self.errors.clone(),
                        header: [None, None],
                        existed: [false, false],
                    });
                }
                Err(failure) => {
                    let usable = failure.leaves_connection_usable();
                    if !usable {
                        pooled.discard();
                    }
                    if reused && !usable && !retried {
                        retried = true;
                        continue;
                    }
                    return Err(self.errors.map(Phase::Transaction, failure));
                }
            }
        }
    }
}

/// One transaction on one pooled connection. Dropped without `finish`, it rolls back.
pub(super) struct Txn<'e> {
    /// `None` once finished. A `RefCell` because the read methods take `&self`; each borrow
    /// lasts one statement.
    conn: RefCell<Option<Pooled<'e>>>,
    errors: Errors,
    /// The header entries read under the write lock, kept current by `put_header_entry`.
    header: [Option<Vec<u8>>; 2],
    /// Whether each header entry existed when the lock was taken: a new vault's entries are
    /// inserted, so two hosts creating the same vault at once cannot both succeed.
    existed: [bool; 2],
}

fn entry_index(entry: HeaderEntry) -> usize {
    match entry {
        HeaderEntry::Header => 0,
        HeaderEntry::State => 1,
    }
}

impl Txn<'_> {
    /// Runs `f` on the connection, leaving the client's failure to the caller; a connection
    /// left in an unknown state is discarded.
    fn with_conn_raw<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, Failure>,
    ) -> Result<Result<T, Failure>, Error> {
        let mut guard = self
            .conn
            .try_borrow_mut()
            .map_err(|_| Error::internal("nested use of a server transaction"))?;
        let finished = || Error::internal("a server transaction used after it finished");
        let pooled = guard.as_mut().ok_or_else(finished)?;
        let result = f(pooled.conn().ok_or_else(finished)?);
        if result
            .as_ref()
            .is_err_and(|f| !f.leaves_connection_usable())
        {
            pooled.discard();
        }
        Ok(result)
    }

    fn with_conn<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T, Failure>) -> Result<T, Error> {
        self.with_conn_raw(f)?
            .map_err(|e| self.errors.map(Phase::Transaction, e))
    }

    fn rows(&self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, Error> {
        self.with_conn(|c| c.query(sql, params))
    }

    fn first(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    fn exec(&self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<(), Error> {
        self.with_conn(|c| c.execute(sql, params)).map(|_| ())
    }

    /// Locks the header rows for this write transaction and reads them. In slot order, so two
    /// writers never hold one row each.
    pub(super) fn lock_header(&mut self) -> Result<(), Error> {
        let rows = self.rows(
            "SELECT slot, value FROM tokenvault_header ORDER BY slot FOR UPDATE",
            &[],
        )?;
        for row in rows {
            let slot: String = column(&row, 0)?;
            for s in [HeaderEntry::Header, HeaderEntry::State] {
                if slot == s.key() {
                    self.header[entry_index(s)] = Some(column(&row, 1)?);
                    self.existed[entry_index(s)] = true;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        let mut pooled = self
            .conn
            .borrow_mut()
            .take()
            .ok_or_else(|| Error::internal("a server transaction used after it finished"))?;
        let conn = pooled
            .conn()
            .ok_or_else(|| Error::internal("a server transaction used after it finished"))?;
        // Every failed statement has ended the transaction with an error already, so a COMMIT
        // here never meets an aborted transaction (which PostgreSQL would roll back silently).
        conn.batch("COMMIT").map_err(|f| {
            if !f.leaves_connection_usable() {
                pooled.discard();
            }
            self.errors.map(Phase::Commit, f)
        })
    }
}

impl Drop for Txn<'_> {
    fn drop(&mut self) {
        if let Some(mut pooled) = self.conn.get_mut().take() {
            // On a lost connection this fails, and the server has rolled back already.
            let rolled_back = pooled.conn().map(|c| c.batch("ROLLBACK"));
            if !matches!(rolled_back, Some(Ok(()))) {
                pooled.discard();
            }
        }
    }
}

impl ReadTables for Txn<'_> {
    fn header_entry(&self, entry: HeaderEntry) -> Result<Option<Vec<u8>>, Error> {
        if let Some(value) = &self.header[entry_index(entry)] {
            return Ok(Some(value.clone()));
        }
        self.first(
            "SELECT value FROM tokenvault_header WHERE slot = $1",
            &[&entry.key()],
        )?
        .map(|row| column(&row, 0))
        .transpose()
    }

    fn record(&self, id: u64) -> Result<Option<Vec<u8>>, Error> {
        self.first(
            "SELECT sealed FROM tokenvault_records WHERE id = $1::text::numeric",
            &[&id.to_string()],
        )?
        .map(|row| column(&row, 0))
        .transpose()
    }

    fn max_id(&self) -> Result<Option<u64>, Error> {
        match self.first("SELECT MAX(id)::text FROM tokenvault_records", &[])? {
            Some(row) => optional_number(&row, 0),
            None => Ok(None),
        }
    }

    fn last_seq(&self) -> Result<Option<u64>, Error> {
        match self.first("SELECT MAX(seq)::text FROM tokenvault_order", &[])? {
            Some(row) => optional_number(&row, 0),
            None => Ok(None),
        }
    }

    fn count(&self) -> Result<u64, Error> {
        let count: i64 = match self.first("SELECT COUNT(*) FROM tokenvault_records", &[])? {
            Some(row) => column(&row, 0)?,
            None => 0,
        };
        u64::try_from(count).map_err(|_| unexpected())
    }

    fn order(&self) -> Result<Vec<(u64, u64)>, Error> {
        pairs(self.rows(
            "SELECT seq::text, id::text FROM tokenvault_order o ORDER BY o.seq",
            &[],
        )?)
    }

    fn index_hits(&self, kind: IndexKind, tag: &Tag) -> Result<Vec<(u64, u64)>, Error> {
        pairs(self.rows(
            "SELECT seq::text, id::text FROM tokenvault_index i WHERE kind = $1 AND tag = $2 ORDER BY i.seq",
            &[&kind_code(kind), &tag.as_slice()],
        )?)
    }

    fn each_record(&self, f: RecordVisitor<'_>) -> Result<(), Error> {
        // Fetched first: `f` must not run while the connection is borrowed.
        let rows = self.rows(
            "SELECT id::text, sealed FROM tokenvault_records r ORDER BY r.id",
            &[],
        )?;
        for row in rows {
            let sealed: Vec<u8> = column(&row, 1)?;
            f(number(&row, 0)?, &sealed)?;
        }
        Ok(())
    }

    fn index_entries(&self, kind: IndexKind) -> Result<Vec<(Tag, u64, u64)>, Error> {
        let rows = self.rows(
            "SELECT tag, seq::text, id::text FROM tokenvault_index i WHERE kind = $1 ORDER BY i.tag, i.seq",
            &[&kind_code(kind)],
        )?;
        rows.iter()
            .map(|row| {
                let tag: Vec<u8> = column(row, 0)?;
                let tag: Tag = tag.try_into().map_err(|_| {
                    Error::corrupted("an index entry has a tag of the wrong length")
                })?;
                Ok((tag, number(row, 1)?, number(row, 2)?))
            })
            .collect()
    }

    fn lease(&self, id: u64) -> Result<Option<Vec<u8>>, Error> {
        self.first(
            "SELECT lease FROM tokenvault_leases WHERE id = $1::text::numeric",
            &[&id.to_string()],
        )?
        .map(|row| column(&row, 0))
        .transpose()
    }

    fn leases(&self) -> Result<Vec<(u64, Vec<u8>)>, Error> {
        let rows = self.rows(
            "SELECT id::text, lease FROM tokenvault_leases l ORDER BY l.id",
            &[],
        )?;
        rows.iter()
            .map(|row| Ok((number(row, 0)?, column(row, 1)?)))
            .collect()
    }
}

impl WriteTxn for Txn<'_> {
    fn store(&mut self) -> Result<Box<dyn WriteTables + '_>, Error> {
        Ok(Box::new(Writing(self)))
    }

    fn commit(self: Box<Self>) -> Result<(), Error> {
        self.finish()
    }
}

/// The tables of a write transaction: the transaction itself, borrowed for its writes.
struct Writing<'t, 'e>(&'t mut Txn<'e>);

impl<'e> Deref for Writing<'_, 'e> {
    type Target = Txn<'e>;
    fn deref(&self) -> &Txn<'e> {
        self.0
    }
}

impl<'e> DerefMut for Writing<'_, 'e> {
    fn deref_mut(&mut self) -> &mut Txn<'e> {
        self.0
    }
}

crate::engines::read_tables_through_field_0!(Writing<'_, '_>);

impl WriteTables for Writing<'_, '_> {
    fn put_header_entry(&mut self, entry: HeaderEntry, value: &[u8]) -> Result<(), Error> {
        let i = entry_index(entry);
        if self.existed[i] {
            self.exec(
                "UPDATE tokenvault_header SET value = $1 WHERE slot = $2",
                &[&value, &entry.key()],
            )?;
        } else {
            // A plain insert: if another host created the vault since our lock was taken, this
            // fails on the primary key instead of overwriting its header.
            let inserted = self.with_conn_raw(|c| {
                c.execute(
                    "INSERT INTO tokenvault_header (slot, value) VALUES ($1, $2)",
                    &[&entry.key(), &value],
                )
            })?;
            match inserted {
                Ok(_) => {}
                Err(f) if f.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
                    return Err(Error::AlreadyExists {
                        location: self.errors.shown.clone(),
                    });
                }
                Err(f) => return Err(self.errors.map(Phase::Transaction, f)),
            }
            self.existed[i] = true;
        }
        self.header[i] = Some(value.to_vec());
        Ok(())
    }

    fn put_record(&mut self, id: u64, sealed: &[u8]) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_records (id, sealed) VALUES ($1::text::numeric, $2) \
             ON CONFLICT (id) DO UPDATE SET sealed = EXCLUDED.sealed",
            &[&id.to_string(), &sealed],
        )
    }

    fn remove_record(&mut self, id: u64) -> Result<(), Error> {
        self.exec(
            "DELETE FROM tokenvault_records WHERE id = $1::text::numeric",
            &[&id.to_string()],
        )
    }

    fn put_order(&mut self, seq: u64, id: u64) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_order (seq, id) VALUES ($1::text::numeric, $2::text::numeric) \
             ON CONFLICT (seq) DO UPDATE SET id = EXCLUDED.id",
            &[&seq.to_string(), &id.to_string()],
        )
    }

    fn remove_order(&mut self, seq: u64) -> Result<(), Error> {
        self.exec(
            "DELETE FROM tokenvault_order WHERE seq = $1::text::numeric",
            &[&seq.to_string()],
        )
    }

    fn put_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64, id: u64) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_index (kind, tag, seq, id) \
             VALUES ($1, $2, $3::text::numeric, $4::text::numeric) \
             ON CONFLICT (kind, tag, seq) DO UPDATE SET id = EXCLUDED.id",
            &[
                &kind_code(kind),
                &tag.as_slice(),
                &seq.to_string(),
                &id.to_string(),
            ],
        )
    }

    fn remove_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64) -> Result<(), Error> {
        self.exec(
            "DELETE FROM tokenvault_index WHERE kind = $1 AND tag = $2 AND seq = $3::text::numeric",
            &[&kind_code(kind), &tag.as_slice(), &seq.to_string()],
        )
    }

    fn clear_indexes(&mut self) -> Result<(), Error> {
        self.exec("DELETE FROM tokenvault_index", &[])
    }

    fn clear_tokens(&mut self) -> Result<(), Error> {
        self.exec("DELETE FROM tokenvault_records", &[])?;
        self.exec("DELETE FROM tokenvault_order", &[])?;
        self.exec("DELETE FROM tokenvault_leases", &[])?;
        self.clear_indexes()
    }

    fn put_lease(&mut self, id: u64, lease: &[u8]) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_leases (id, lease) VALUES ($1::text::numeric, $2) \
             ON CONFLICT (id) DO UPDATE SET lease = EXCLUDED.lease",
            &[&id.to_string(), &lease],
        )
    }

    fn remove_lease(&mut self, id: u64) -> Result<(), Error> {
        self.exec(
            "DELETE FROM tokenvault_leases WHERE id = $1::text::numeric",
            &[&id.to_string()],
        )
    }
}
