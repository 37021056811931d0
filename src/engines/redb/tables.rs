//! The table adapter: the vault's tables (FORMAT.md §Tables) as redb tables, and
//! [`ReadTables`]/[`WriteTables`] over them for a read transaction (tables opened on first use)
//! and a write transaction (all opened up front).
//!
//! Separate from the engine (`mod.rs`) and the file (`file.rs`): this is the only code that knows
//! the redb table definitions and the index key layout; it never opens a database.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use redb::{
    ReadOnlyTable, ReadTransaction, ReadableTable, ReadableTableMetadata, Table, TableDefinition,
    TableError, WriteTransaction,
};

use super::storage;
use crate::blind_index::{IndexKind, Tag};
use crate::engines::{HeaderEntry, ReadTables, RecordVisitor, WriteTables, WriteTxn};
use crate::error::Error;

/// `"header"` → static header, `"state"` → counters and their MAC.
pub(super) const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenvault_header");
/// Token id → sealed record.
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
/// Insertion position → token id.
const ORDER: TableDefinition<u64, u64> = TableDefinition::new("order");
/// Token id → refresh lease (FORMAT.md §Leases). Created by the first write transaction that
/// opens it: a vault written by an older build has none, which reads as no lease.
const LEASES: TableDefinition<u64, &[u8]> = TableDefinition::new("leases");

/// An index key: the 16-byte tag, then the big-endian `seq`, so one tag's entries are contiguous
/// and sorted in insertion order (FORMAT.md §Blind indexes).
type IndexKey = [u8; 24];

fn index_table(kind: IndexKind) -> TableDefinition<'static, IndexKey, u64> {
    TableDefinition::new(kind.table_name())
}

fn index_key(tag: &Tag, seq: u64) -> IndexKey {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(tag);
    key[16..].copy_from_slice(&seq.to_be_bytes());
    key
}

fn split_index_key(key: &IndexKey) -> (Tag, u64) {
    let mut tag = [0u8; 16];
    tag.copy_from_slice(&key[..16]);
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&key[16..]);
    (tag, u64::from_be_bytes(seq))
}

/// One write transaction of a redb database.
pub(super) struct RedbWrite {
    pub(super) txn: WriteTransaction,
}

impl WriteTxn for RedbWrite {
    fn store(&mut self) -> Result<Box<dyn WriteTables + '_>, Error> {
        let txn = &self.txn;
        let [a, b, c, d] = IndexKind::ALL.map(|kind| txn.open_table(index_table(kind)));
        Ok(Box::new(Tables {
            header: txn.open_table(HEADER).map_err(storage)?,
            records: txn.open_table(RECORDS).map_err(storage)?,
            order: txn.open_table(ORDER).map_err(storage)?,
            indexes: [
                a.map_err(storage)?,
                b.map_err(storage)?,
                c.map_err(storage)?,
                d.map_err(storage)?,
            ],
            leases: txn.open_table(LEASES).map_err(storage)?,
        }))
    }

    fn commit(self: Box<Self>) -> Result<(), Error> {
        self.txn.commit().map_err(storage)
    }
}

/// Where the read methods find a transaction's tables: opened up front by a write transaction
/// ([`Tables`]), or on first use by a read transaction ([`LazyTables`]), since a lookup needs
/// three of the seven tables and opening one is a b-tree search of its own.
trait OpenTables {
    type Header: ReadableTable<&'static str, &'static [u8]>;
    type Records: ReadableTable<u64, &'static [u8]>;
    type Order: ReadableTable<u64, u64>;
    type Index: ReadableTable<IndexKey, u64>;
    fn header(&self) -> Result<&Self::Header, Error>;
    fn records(&self) -> Result<&Self::Records, Error>;
    fn order_table(&self) -> Result<&Self::Order, Error>;
    fn index(&self, kind: IndexKind) -> Result<&Self::Index, Error>;
    /// The leases table; `None` in a file that has none yet.
    fn lease_table(&self) -> Result<Option<&Self::Records>, Error>;
}

/// The open tables of one write transaction.
struct Tables<H, R, O, I> {
    header: H,
    records: R,
    order: O,
    indexes: [I; 4],
    leases: R,
}

impl<H, R, O, I> OpenTables for Tables<H, R, O, I>
where
    H: ReadableTable<&'static str, &'static [u8]>,
    R: ReadableTable<u64, &'static [u8]>,
    O: ReadableTable<u64, u64>,
    I: ReadableTable<IndexKey, u64>,
{
    type Header = H;
    type Records = R;
    type Order = O;
    type Index = I;
    fn header(&self) -> Result<&H, Error> {
        Ok(&self.header)
    }
    fn records(&self) -> Result<&R, Error> {
        Ok(&self.records)
    }
    fn order_table(&self) -> Result<&O, Error> {
        Ok(&self.order)
    }
    fn index(&self, kind: IndexKind) -> Result<&I, Error> {
        Ok(&self.indexes[kind as usize])
    }
    fn lease_table(&self) -> Result<Option<&R>, Error> {
        Ok(Some(&self.leases))
    }
}

/// One read transaction and its tables, each opened when first used (by any thread: a snapshot
/// kept while the file is unchanged, `snapshot.rs`, is shared).
///
/// The engine hands it out boxed (`Engine::begin_read`), once per lookup: the tables a lookup
/// may not use are boxed on their own, so that the whole stays within the allocator's small,
/// fast size classes (unboxed, its 1.5 KB cost a lookup ~7% more instructions).
pub(super) struct LazyTables<'t> {
    txn: ReadTransaction,
    path: Cow<'t, Path>,
    header: OnceLock<ReadOnlyTable<&'static str, &'static [u8]>>,
    records: OnceLock<ReadOnlyTable<u64, &'static [u8]>>,
    order: OnceLock<Box<ReadOnlyTable<u64, u64>>>,
    indexes: [OnceLock<Box<ReadOnlyTable<IndexKey, u64>>>; 4],
    leases: OnceLock<Option<Box<BytesTable>>>,
}

/// A snapshot's tables, shared by the reads that reuse it (`snapshot.rs`).
pub(super) struct SharedTables(pub(super) Arc<LazyTables<'static>>);

impl OpenTables for SharedTables {
    type Header = ReadOnlyTable<&'static str, &'static [u8]>;
    type Records = ReadOnlyTable<u64, &'static [u8]>;
    type Order = ReadOnlyTable<u64, u64>;
    type Index = ReadOnlyTable<IndexKey, u64>;
    fn header(&self) -> Result<&Self::Header, Error> {
        self.0.header()
    }
    fn records(&self) -> Result<&Self::Records, Error> {
        self.0.records()
    }
    fn order_table(&self) -> Result<&Self::Order, Error> {
        self.0.order_table()
    }
    fn index(&self, kind: IndexKind) -> Result<&Self::Index, Error> {
        self.0.index(kind)
    }
    fn lease_table(&self) -> Result<Option<&Self::Records>, Error> {
        self.0.lease_table()
    }
}

/// A read-only table of byte values by id (records, leases).
type BytesTable = ReadOnlyTable<u64, &'static [u8]>;

impl<'t> LazyTables<'t> {
    pub(super) fn new(txn: ReadTransaction, path: impl Into<Cow<'t, Path>>) -> Self {
        LazyTables {
            txn,
            path: path.into(),
            header: OnceLock::new(),
            records: OnceLock::new(),
            order: OnceLock::new(),
            indexes: Default::default(),
            leases: OnceLock::new(),
        }
    }

    /// The table in `cell`, opened (and kept as `keep` makes it) on first use.
    fn open<'c, K: redb::Key + 'static, V: redb::Value + 'static, C>(
        &self,
        cell: &'c OnceLock<C>,
        definition: TableDefinition<K, V>,
        keep: impl FnOnce(ReadOnlyTable<K, V>) -> C,
    ) -> Result<&'c C, Error> {
        if let Some(table) = cell.get() {
            return Ok(table);
        }
        let table = self
            .txn
            .open_table(definition)
            .map_err(|e| table_error(e, &self.path))?;
        Ok(cell.get_or_init(|| keep(table)))
    }
}

impl OpenTables for LazyTables<'_> {
    type Header = ReadOnlyTable<&'static str, &'static [u8]>;
    type Records = ReadOnlyTable<u64, &'static [u8]>;
    type Order = ReadOnlyTable<u64, u64>;
    type Index = ReadOnlyTable<IndexKey, u64>;
    fn header(&self) -> Result<&Self::Header, Error> {
        self.open(&self.header, HEADER, |table| table)
    }
    fn records(&self) -> Result<&Self::Records, Error> {
        self.open(&self.records, RECORDS, |table| table)
    }
    fn order_table(&self) -> Result<&Self::Order, Error> {
        Ok(self.open(&self.order, ORDER, Box::new)?)
    }
    fn index(&self, kind: IndexKind) -> Result<&Self::Index, Error> {
        Ok(self.open(&self.indexes[kind as usize], index_table(kind), Box::new)?)
    }
    fn lease_table(&self) -> Result<Option<&Self::Records>, Error> {
        if let Some(table) = self.leases.get() {
            return Ok(table.as_deref());
        }
        let table = match self.txn.open_table(LEASES) {
            Ok(table) => Some(Box::new(table)),
            Err(TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(table_error(e, &self.path)),
        };
        Ok(self.leases.get_or_init(|| table).as_deref())
    }
}

impl<T: OpenTables> ReadTables for T {
    fn header_entry(&self, entry: HeaderEntry) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .header()?
            .get(entry.key())
            .map_err(storage)?
            .map(|v| v.value().to_vec()))
    }

    fn record(&self, id: u64) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .records()?
            .get(id)
            .map_err(storage)?
            .map(|v| v.value().to_vec()))
    }

    fn max_id(&self) -> Result<Option<u64>, Error> {
        Ok(self
            .records()?
            .last()
            .map_err(storage)?
            .map(|(id, _)| id.value()))
    }

    fn last_seq(&self) -> Result<Option<u64>, Error> {
        Ok(self
            .order_table()?
            .last()
            .map_err(storage)?
            .map(|(seq, _)| seq.value()))
    }

    fn count(&self) -> Result<u64, Error> {
        self.records()?.len().map_err(storage)
    }

    fn order(&self) -> Result<Vec<(u64, u64)>, Error> {
        // Not sized by the table's length: that is a stored number, and a damaged file can
        // claim any (an allocation of exabytes aborts the process).
        let mut out = Vec::new();
        for entry in self.order_table()?.iter().map_err(storage)? {
            let (seq, id) = entry.map_err(storage)?;
            out.push((seq.value(), id.value()));
        }
        Ok(out)
    }

    fn index_hits(&self, kind: IndexKind, tag: &Tag) -> Result<Vec<(u64, u64)>, Error> {
        let range = index_key(tag, 0)..=index_key(tag, u64::MAX);
        let mut hits = Vec::new();
        for entry in self.index(kind)?.range(range).map_err(storage)? {
            let (key, id) = entry.map_err(storage)?;
            hits.push((split_index_key(&key.value()).1, id.value()));
        }
        Ok(hits)
    }

    fn each_record(&self, f: RecordVisitor<'_>) -> Result<(), Error> {
        for entry in self.records()?.iter().map_err(storage)? {
            let (id, sealed) = entry.map_err(storage)?;
            f(id.value(), sealed.value())?;
        }
        Ok(())
    }

    fn index_entries(&self, kind: IndexKind) -> Result<Vec<(Tag, u64, u64)>, Error> {
        let mut out = Vec::new();
        for entry in self.index(kind)?.iter().map_err(storage)? {
            let (key, id) = entry.map_err(storage)?;
            let (tag, seq) = split_index_key(&key.value());
            out.push((tag, seq, id.value()));
        }
        Ok(out)
    }

    fn lease(&self, id: u64) -> Result<Option<Vec<u8>>, Error> {
        let Some(table) = self.lease_table()? else {
            return Ok(None);
        };
        Ok(table.get(id).map_err(storage)?.map(|v| v.value().to_vec()))
    }

    fn leases(&self) -> Result<Vec<(u64, Vec<u8>)>, Error> {
        let mut out = Vec::new();
        if let Some(table) = self.lease_table()? {
            for entry in table.iter().map_err(storage)? {
                let (id, lease) = entry.map_err(storage)?;
                out.push((id.value(), lease.value().to_vec()));
            }
        }
        Ok(out)
    }
}

type TablesInWrite<'t> = Tables<
    Table<'t, &'static str, &'static [u8]>,
    Table<'t, u64, &'static [u8]>,
    Table<'t, u64, u64>,
    Table<'t, IndexKey, u64>,
>;

impl WriteTables for TablesInWrite<'_> {
    fn put_header_entry(&mut self, entry: HeaderEntry, value: &[u8]) -> Result<(), Error> {
        self.header.insert(entry.key(), value).map_err(storage)?;
        Ok(())
    }

    fn put_record(&mut self, id: u64, sealed: &[u8]) -> Result<(), Error> {
        self.records.insert(id, sealed).map_err(storage)?;
        Ok(())
    }

    fn remove_record(&mut self, id: u64) -> Result<(), Error> {
        self.records.remove(id).map_err(storage)?;
        Ok(())
    }

    fn put_order(&mut self, seq: u64, id: u64) -> Result<(), Error> {
        self.order.insert(seq, id).map_err(storage)?;
        Ok(())
    }

    fn remove_order(&mut self, seq: u64) -> Result<(), Error> {
        self.order.remove(seq).map_err(storage)?;
        Ok(())
    }

    fn put_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64, id: u64) -> Result<(), Error> {
        self.indexes[kind as usize]
            .insert(index_key(tag, seq), id)
            .map_err(storage)?;
        Ok(())
    }

    fn remove_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64) -> Result<(), Error> {
        self.indexes[kind as usize]
            .remove(index_key(tag, seq))
            .map_err(storage)?;
        Ok(())
    }

    fn clear_indexes(&mut self) -> Result<(), Error> {
        for index in &mut self.indexes {
            index.retain(|_, _| false).map_err(storage)?;
        }
        Ok(())
    }

    fn clear_tokens(&mut self) -> Result<(), Error> {
        self.records.retain(|_, _| false).map_err(storage)?;
        self.order.retain(|_, _| false).map_err(storage)?;
        self.leases.retain(|_, _| false).map_err(storage)?;
        self.clear_indexes()
    }

    fn put_lease(&mut self, id: u64, lease: &[u8]) -> Result<(), Error> {
        self.leases.insert(id, lease).map_err(storage)?;
        Ok(())
    }

    fn remove_lease(&mut self, id: u64) -> Result<(), Error> {
        self.leases.remove(id).map_err(storage)?;
        Ok(())
    }
}

pub(super) fn table_error(e: TableError, path: &Path) -> Error {
    match e {
        TableError::TableDoesNotExist(_) => Error::NotAVault {
            location: path.display().to_string(),
        },
        TableError::TableTypeMismatch { .. } | TableError::TableIsMultimap(_) => {
            Error::corrupted(format!("unexpected table layout: {e}"))
        }
        other => storage(other),
    }
}
