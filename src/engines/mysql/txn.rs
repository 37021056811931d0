//! One transaction of the server engine on one pooled connection, and the vault's tables seen
//! through it: [`ReadTables`] as `SELECT`s, [`WriteTables`] as `INSERT … ON DUPLICATE KEY
//! UPDATE` and `DELETE`s, the header rows locked first by a writer.
//!
//! Separate from the engine (`mysql.rs`): this is the only code that writes SQL against the
//! vault's rows, and the one place a connection is borrowed, committed or rolled back.

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use mysql::prelude::{FromRow, Queryable};
use mysql::{Params, PooledConn};

use super::MySqlEngine;
use super::errors::{Errors, Phase, code};
use crate::blind_index::{IndexKind, Tag};
use crate::engines::{HeaderEntry, ReadTables, RecordVisitor, WriteTables, WriteTxn};
use crate::error::Error;

/// The number of an index in the `kind` column (FORMAT.md §MySQL schema).
fn kind_code(kind: IndexKind) -> u8 {
    match kind {
        IndexKind::UserName => 0,
        IndexKind::AccessToken => 1,
        IndexKind::RefreshToken => 2,
        IndexKind::GrantToken => 3,
    }
}

impl MySqlEngine {
    pub(super) fn begin(&self, read_only: bool) -> Result<Txn, Error> {
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

/// One transaction on one pooled connection. Dropped without `finish`, it rolls back.
pub(super) struct Txn {
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

fn entry_index(entry: HeaderEntry) -> usize {
    match entry {
        HeaderEntry::Header => 0,
        HeaderEntry::State => 1,
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
            .map_err(|_| Error::internal("nested use of a server transaction"))?;
        let conn = guard
            .as_mut()
            .ok_or_else(|| Error::internal("a server transaction used after it finished"))?;
        Ok(f(conn))
    }

    /// Runs `query` on the leases table; where the table does not exist (a vault made by an
    /// older build, on an account that cannot create it) the answer is `empty`.
    fn without_leases_table<T>(
        &self,
        query: impl FnOnce() -> Result<T, Error>,
        empty: T,
    ) -> Result<T, Error> {
        match query() {
            Err(Error::NotAVault { .. }) => Ok(empty),
            other => other,
        }
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
    pub(super) fn lock_header(&mut self) -> Result<(), Error> {
        let rows: Vec<(Vec<u8>, Vec<u8>)> =
            self.rows("SELECT slot, value FROM tokenvault_header FOR UPDATE", ())?;
        for (slot, value) in rows {
            for s in [HeaderEntry::Header, HeaderEntry::State] {
                if slot == s.key().as_bytes() {
                    self.header[entry_index(s)] = Some(value.clone());
                    self.existed[entry_index(s)] = true;
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
            .ok_or_else(|| Error::internal("a server transaction used after it finished"))?;
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

impl ReadTables for Txn {
    fn header_entry(&self, entry: HeaderEntry) -> Result<Option<Vec<u8>>, Error> {
        if let Some(value) = &self.header[entry_index(entry)] {
            return Ok(Some(value.clone()));
        }
        let value: Option<(Vec<u8>,)> = self.first(
            "SELECT value FROM tokenvault_header WHERE slot = ?",
            (entry.key().as_bytes(),),
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

    fn lease(&self, id: u64) -> Result<Option<Vec<u8>>, Error> {
        let lease: Option<(Vec<u8>,)> = self.without_leases_table(
            || self.first("SELECT lease FROM tokenvault_leases WHERE id = ?", (id,)),
            None,
        )?;
        Ok(lease.map(|(l,)| l))
    }

    fn leases(&self) -> Result<Vec<(u64, Vec<u8>)>, Error> {
        self.without_leases_table(
            || self.rows("SELECT id, lease FROM tokenvault_leases ORDER BY id", ()),
            Vec::new(),
        )
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

impl WriteTxn for Txn {
    fn store(&mut self) -> Result<Box<dyn WriteTables + '_>, Error> {
        Ok(Box::new(Writing(self)))
    }

    fn commit(self: Box<Self>) -> Result<(), Error> {
        self.finish("COMMIT", Phase::Commit)
    }
}

/// The tables of a write transaction: the transaction itself, borrowed for its writes.
struct Writing<'t>(&'t mut Txn);

impl Deref for Writing<'_> {
    type Target = Txn;
    fn deref(&self) -> &Txn {
        self.0
    }
}

impl DerefMut for Writing<'_> {
    fn deref_mut(&mut self) -> &mut Txn {
        self.0
    }
}

crate::engines::read_tables_through_field_0!(Writing<'_>);

impl WriteTables for Writing<'_> {
    fn put_header_entry(&mut self, entry: HeaderEntry, value: &[u8]) -> Result<(), Error> {
        let i = entry_index(entry);
        if self.existed[i] {
            self.exec(
                "UPDATE tokenvault_header SET value = ? WHERE slot = ?",
                (value, entry.key().as_bytes()),
            )?;
        } else {
            // A plain insert: if another host created the vault since our lock was taken, this
            // fails on the primary key instead of overwriting its header.
            let inserted = self.with_conn_raw(|c| {
                c.exec_drop(
                    "INSERT INTO tokenvault_header (slot, value) VALUES (?, ?)",
                    (entry.key().as_bytes(), value),
                )
            })?;
            match inserted {
                Ok(()) => {}
                Err(mysql::Error::MySqlError(e)) if e.code == code::DUP_ENTRY => {
                    return Err(Error::AlreadyExists {
                        location: self.errors.shown.clone(),
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
        self.without_leases_table(|| self.exec("DELETE FROM tokenvault_leases", ()), ())?;
        self.clear_indexes()
    }

    fn put_lease(&mut self, id: u64, lease: &[u8]) -> Result<(), Error> {
        self.exec(
            "INSERT INTO tokenvault_leases (id, lease) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE lease = VALUES(lease)",
            (id, lease),
        )
        .map_err(|e| match e {
            Error::NotAVault { .. } => Error::Server {
                what: "the database has no tokenvault_leases table, and this account could not create it; create it as FORMAT.md §MySQL schema shows (refresh coordination needs it)".into(),
            },
            other => other,
        })
    }

    fn remove_lease(&mut self, id: u64) -> Result<(), Error> {
        self.without_leases_table(
            || self.exec("DELETE FROM tokenvault_leases WHERE id = ?", (id,)),
            (),
        )
    }
}
