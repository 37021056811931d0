//! The redb engine: the vault's tables in one redb database (FORMAT.md §Tables) — a file shared
//! by several processes in redb's `MultiWriter` mode or held by one in its `ExclusiveWriter` mode
//! (`OpenOptions::single_process`), memory, or a caller's storage backend. redb's errors are
//! mapped onto [`Error`] here.

use std::cell::OnceCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use redb::backends::{FileBackend, InMemoryBackend};
use redb::{
    ConcurrencyMode, Database, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, StorageBackend, Table, TableDefinition, TableError, WriteTransaction,
};

use crate::backoff::with_backoff;
use crate::blind_index::{IndexKind, Tag};
use crate::engines::bounded_locks::{BoundedLocks, lock_timeout};
use crate::engines::{
    Access, Engine, HeaderEntry, ReadTables, RecordVisitor, WriteTables, WriteTxn, guarded,
};
use crate::error::Error;
use crate::options::OpenOptions;

/// `"header"` → static header, `"state"` → counters and their MAC.
const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenvault_header");
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

/// Maps redb's errors onto ours: I/O and corruption keep their meaning, a lock wait that ran
/// out is `Busy`, the rest is `Storage`.
fn storage(e: impl Into<redb::Error>) -> Error {
    match e.into() {
        redb::Error::Io(io) => match lock_timeout(&io) {
            Some(waited) => Error::Busy { waited },
            None => Error::from(io),
        },
        redb::Error::Corrupted(what) => Error::Corrupted {
            what: format!("storage engine: {what}"),
        },
        redb::Error::DatabaseAlreadyOpen => Error::AlreadyOpen,
        other => Error::Storage(crate::error::StorageError::new(other.to_string())),
    }
}

/// The builder every vault database is opened with: shared by several processes, or held by one
/// (`single_process`: redb's exclusive mode, which locks the whole file for the handle's life
/// and spares each transaction the cross-process locking and header re-read).
fn builder(single_process: bool, check_integrity: bool) -> redb::Builder {
    let mut b = Database::builder();
    b.set_concurrency_mode(if single_process {
        ConcurrencyMode::ExclusiveWriter
    } else {
        ConcurrencyMode::MultiWriter
    });
    b.set_check_integrity_on_open(check_integrity);
    b
}

/// The database: writable, or a read-only view of a file (`Access::Inspect`).
enum Db {
    Writable(Database),
    ReadOnly(redb::ReadOnlyDatabase),
}

/// A vault in a redb database.
pub(crate) struct RedbEngine {
    db: Db,
    /// Where it lives, for messages.
    name: PathBuf,
    /// The file, for a file engine: its size, re-opening for writing, removal of a new one.
    file: Option<PathBuf>,
    /// This engine created the file (`Access::Create`).
    created: bool,
    options: OpenOptions,
}

impl RedbEngine {
    /// The engine for the file at `path`: created exclusively, mode 0600 (`Create`), viewed
    /// read-only (`Inspect`), or opened for writing (`Open`).
    pub(crate) fn file(
        path: &Path,
        options: &OpenOptions,
        access: Access,
    ) -> Result<Box<dyn Engine>, Error> {
        let db = match access {
            Access::Create => {
                // The database is built on the handle that created the file, never on the path
                // again: a symlink swapped in meanwhile (in a folder others can write to) must
                // not receive it.
                let file = create_private_file(path)?;
                let made = FileBackend::new(file).and_then(|backend| {
                    builder(options.single_process, false)
                        .create_with_backend(BoundedLocks::new(backend, options.busy_timeout))
                });
                match made {
                    Ok(db) => Db::Writable(db),
                    Err(e) => {
                        // Nothing was committed: do not leave a file that `create` would refuse.
                        let _ = fs::remove_file(path);
                        return Err(storage(e));
                    }
                }
            }
            Access::Inspect => with_backoff(
                options.busy_timeout,
                || match guarded("reading the header", || view_vault_file(path, options)) {
                    Ok(db) => Ok(Some(db)),
                    Err(Error::NotAVault { .. }) if may_be_under_creation(path) => Ok(None),
                    Err(e) => Err(e),
                },
                |_| Error::NotAVault {
                    path: path.to_path_buf(),
                },
            )?,
        };
        Ok(Box::new(RedbEngine {
            db,
            name: path.to_path_buf(),
            file: Some(path.to_path_buf()),
            created: access == Access::Create,
            options: options.clone(),
        }))
    }

    /// A vault in memory, held by this handle alone.
    pub(crate) fn memory(options: &OpenOptions) -> Result<Box<dyn Engine>, Error> {
        let options = options.clone().single_process(true);
        let backend = Box::new(InMemoryBackend::new());
        RedbEngine::backend(backend, Path::new("<memory>"), &options)
    }

    /// A vault on a caller's backend. A backend without file locks (redb's `InMemoryBackend`)
    /// needs `single_process`. With `check_integrity` as for files: without it redb trusts page
    /// pointers it has not verified, and a damaged one sizes a read buffer of up to 4 GiB before
    /// the read fails.
    pub(crate) fn backend(
        backend: Box<dyn StorageBackend>,
        name: &Path,
        options: &OpenOptions,
    ) -> Result<Box<dyn Engine>, Error> {
        let backend = BoundedLocks::boxed(backend, options.busy_timeout);
        let builder = builder(options.single_process, options.check_integrity);
        let db = guarded("opening the backend", || {
            builder
                .create_with_backend(backend)
                .map_err(|e| open_error(e, name))
        })?;
        Ok(Box::new(RedbEngine {
            db: Db::Writable(db),
            name: name.to_path_buf(),
            file: None,
            created: false,
            options: options.clone(),
        }))
    }

    fn writable(&self) -> Result<&Database, Error> {
        match &self.db {
            Db::Writable(db) => Ok(db),
            Db::ReadOnly(_) => Err(Error::internal(
                "a write on a read-only view of the vault file",
            )),
        }
    }
}

impl Engine for RedbEngine {
    fn begin_read(&self) -> Result<Box<dyn ReadTables + '_>, Error> {
        let txn = match &self.db {
            Db::Writable(db) => db.begin_read(),
            Db::ReadOnly(db) => db.begin_read(),
        }
        .map_err(storage)?;
        Ok(Box::new(LazyTables::new(txn, &self.name)))
    }

    /// Waits up to the busy timeout for other processes' write transactions.
    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, Error> {
        let db = self.writable()?;
        let txn = if self.options.single_process {
            // In-process writers are already serialized by the batcher's commit lock.
            db.begin_write().map_err(storage)?
        } else {
            with_backoff(
                self.options.busy_timeout,
                || match db.try_begin_write() {
                    Ok(txn) => Ok(Some(txn)),
                    Err(redb::TransactionError::WouldBlock) => Ok(None),
                    Err(e) => Err(storage(e)),
                },
                |waited| Error::Busy { waited },
            )?
        };
        Ok(Box::new(RedbWrite { txn }))
    }

    /// The first write transaction opens (and so creates) every table.
    fn create_tables(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Whether the database holds no table at all (a backend handed to `create` must not).
    fn is_blank(&self) -> Result<bool, Error> {
        let txn = match &self.db {
            Db::Writable(db) => db.begin_read(),
            Db::ReadOnly(db) => db.begin_read(),
        }
        .map_err(storage)?;
        Ok(txn.list_tables().map_err(storage)?.next().is_none())
    }

    fn into_writable(self: Box<Self>) -> Result<Box<dyn Engine>, Error> {
        let RedbEngine {
            db,
            name,
            file,
            created,
            options,
        } = *self;
        let db = match (db, &file) {
            (Db::ReadOnly(view), Some(path)) => {
                view.close().map_err(storage)?;
                guarded("opening the file", || open_writable(path, &options))?
            }
            (Db::Writable(db), _) => db,
            (Db::ReadOnly(_), None) => {
                return Err(Error::internal("a read-only view without a file"));
            }
        };
        Ok(Box::new(RedbEngine {
            db: Db::Writable(db),
            name,
            file,
            created,
            options,
        }))
    }

    fn compact(&mut self) -> Result<bool, Error> {
        match &mut self.db {
            Db::Writable(db) => guarded("compacting", || db.compact().map_err(storage)),
            Db::ReadOnly(_) => Err(Error::internal("compacting a read-only view")),
        }
    }

    fn stored_bytes(&self) -> Result<u64, Error> {
        Ok(self
            .file
            .as_ref()
            .and_then(|path| fs::metadata(path).ok())
            .map_or(0, |m| m.len()))
    }

    fn discard_new(self: Box<Self>) {
        if let (true, Some(path)) = (self.created, self.file.clone()) {
            drop(self);
            let _ = fs::remove_file(path);
        }
    }
}

/// One write transaction of a redb database.
struct RedbWrite {
    txn: WriteTransaction,
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

/// One read transaction and its tables, each opened when first used.
///
/// The engine hands it out boxed (`Engine::begin_read`), once per lookup: the tables a lookup
/// may not use are boxed on their own, so that the whole stays within the allocator's small,
/// fast size classes (unboxed, its 1.5 KB cost a lookup ~7% more instructions).
struct LazyTables<'t> {
    txn: ReadTransaction,
    path: &'t Path,
    header: OnceCell<ReadOnlyTable<&'static str, &'static [u8]>>,
    records: OnceCell<ReadOnlyTable<u64, &'static [u8]>>,
    order: OnceCell<Box<ReadOnlyTable<u64, u64>>>,
    indexes: [OnceCell<Box<ReadOnlyTable<IndexKey, u64>>>; 4],
    leases: OnceCell<Option<Box<BytesTable>>>,
}

/// A read-only table of byte values by id (records, leases).
type BytesTable = ReadOnlyTable<u64, &'static [u8]>;

impl<'t> LazyTables<'t> {
    fn new(txn: ReadTransaction, path: &'t Path) -> Self {
        LazyTables {
            txn,
            path,
            header: OnceCell::new(),
            records: OnceCell::new(),
            order: OnceCell::new(),
            indexes: Default::default(),
            leases: OnceCell::new(),
        }
    }

    /// The table in `cell`, opened (and kept as `keep` makes it) on first use.
    fn open<'c, K: redb::Key + 'static, V: redb::Value + 'static, C>(
        &self,
        cell: &'c OnceCell<C>,
        definition: TableDefinition<K, V>,
        keep: impl FnOnce(ReadOnlyTable<K, V>) -> C,
    ) -> Result<&'c C, Error> {
        if let Some(table) = cell.get() {
            return Ok(table);
        }
        let table = self
            .txn
            .open_table(definition)
            .map_err(|e| table_error(e, self.path))?;
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
            Err(e) => return Err(table_error(e, self.path)),
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

/// Creates `path` exclusively, readable and writable by its owner only, and returns it open
/// for reading and writing (`create_new` refuses a symlink already there).
fn create_private_file(path: &Path) -> Result<fs::File, Error> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::AlreadyExists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io_at(e, format!("cannot create {}", path.display()))),
    }
}

/// An I/O error that says what it happened to (the OS's own message names no file).
fn io_at(e: std::io::Error, what: String) -> Error {
    Error::from(std::io::Error::new(e.kind(), format!("{what}: {e}")))
}

/// Checks that `path` is a non-empty regular file before redb touches it.
fn check_vault_file(path: &Path) -> Result<(), Error> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::VaultNotFound {
            path: path.to_path_buf(),
        },
        _ => Error::from(e),
    })?;
    if !meta.is_file() || meta.len() == 0 {
        return Err(Error::NotAVault {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Opens the file for writing, waiting at most the busy timeout for any file lock: a writable
/// multi-writer open waits for the write lock of a transaction another process has open, and
/// redb would wait for it forever (see `bounded_locks.rs`). `check_vault_file` has just refused
/// an empty file, which `create_with_backend` (redb's only open that takes a backend) would
/// initialize.
fn open_writable(path: &Path, options: &OpenOptions) -> Result<Database, Error> {
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_at(e, format!("cannot open {} for writing", path.display())))?;
    let backend = FileBackend::new(file).map_err(|e| open_error(e, path))?;
    builder(options.single_process, options.check_integrity)
        .create_with_backend(BoundedLocks::new(backend, options.busy_timeout))
        .map_err(|e| open_error(e, path))
}

/// The read-only counterpart of [`open_writable`].
fn open_read_only(
    path: &Path,
    busy_timeout: Duration,
) -> Result<redb::ReadOnlyDatabase, redb::DatabaseError> {
    let file = fs::File::open(path)?;
    builder(false, false)
        .open_read_only_with_backend(BoundedLocks::new(FileBackend::new(file)?, busy_timeout))
}

/// redb's "this is not a redb file" becomes `NotAVault`; the rest keeps its meaning.
fn open_error(e: redb::DatabaseError, path: &Path) -> Error {
    match storage(e) {
        Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => Error::NotAVault {
            path: path.to_path_buf(),
        },
        other => other,
    }
}

fn table_error(e: TableError, path: &Path) -> Error {
    match e {
        TableError::TableDoesNotExist(_) => Error::NotAVault {
            path: path.to_path_buf(),
        },
        TableError::TableTypeMismatch { .. } | TableError::TableIsMultimap(_) => {
            Error::corrupted(format!("unexpected table layout: {e}"))
        }
        other => storage(other),
    }
}

/// The first bytes of every redb file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// Whether the file at `path` may be a vault another process is still creating: empty, starting
/// with zeros or with redb's magic number (a redb database whose first transaction has not
/// committed yet). A FileStore CSV, say, is none of these, and is reported at once.
fn may_be_under_creation(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::with_capacity(REDB_MAGIC.len());
    match fs::File::open(path) {
        Ok(file) => match file.take(REDB_MAGIC.len() as u64).read_to_end(&mut head) {
            Ok(_) => head.iter().all(|&b| b == 0) || REDB_MAGIC.starts_with(&head),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

/// A read-only view of a vault file: `NotAVault` unless it is a redb database with the vault's
/// header table.
fn view_vault_file(path: &Path, options: &OpenOptions) -> Result<Db, Error> {
    check_vault_file(path)?;
    let db = view_file(path, options)?;
    let txn = match &db {
        Db::Writable(db) => db.begin_read(),
        Db::ReadOnly(db) => db.begin_read(),
    }
    .map_err(storage)?;
    txn.open_table(HEADER).map_err(|e| table_error(e, path))?;
    drop(txn);
    Ok(db)
}

/// A view of the file that writes no byte (not even redb's bookkeeping), unless the file needs
/// crash recovery, which only a writable open performs.
fn view_file(path: &Path, options: &OpenOptions) -> Result<Db, Error> {
    match open_read_only(path, options.busy_timeout) {
        Ok(db) => Ok(Db::ReadOnly(db)),
        Err(redb::DatabaseError::RepairAborted) => {
            let options = options.clone().single_process(false).check_integrity(true);
            Ok(Db::Writable(open_writable(path, &options)?))
        }
        Err(e) => Err(open_error(e, path)),
    }
}
