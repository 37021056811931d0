//! The redb engine: the vault's tables in one redb file (FORMAT.md §Tables), shared by several
//! processes in redb's `MultiWriter` mode, or held by one in its `ExclusiveWriter` mode
//! (`OpenOptions::single_process`).

use std::cell::OnceCell;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use redb::backends::FileBackend;
use redb::{
    ConcurrencyMode, Database, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, Table, TableDefinition, TableError, WriteTransaction,
};

use crate::error::{Error, storage};
use crate::index::{IndexKind, Tag};
use crate::store::bounded_locks::BoundedLocks;
use crate::store::engine::{Engine, HeaderSlot, ReadStore, RecordVisitor, WriteStore};

/// `"header"` → static header, `"state"` → counters and their MAC.
pub(crate) const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenvault_header");
/// Token id → sealed record.
const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
/// Insertion position → token id.
const ORDER: TableDefinition<u64, u64> = TableDefinition::new("order");

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

/// The builder every vault file is opened with: shared by several processes, or held by one
/// (`single_process`: redb's exclusive mode, which locks the whole file for the handle's life
/// and spares each transaction the cross-process locking and header re-read).
fn builder(single_process: bool) -> redb::Builder {
    let mut b = Database::builder();
    b.set_concurrency_mode(if single_process {
        ConcurrencyMode::ExclusiveWriter
    } else {
        ConcurrencyMode::MultiWriter
    });
    b
}

/// A vault in a redb database.
pub(crate) struct RedbEngine {
    db: Database,
    /// Where it lives, for messages.
    path: PathBuf,
    busy_timeout: Duration,
    /// This handle holds the database alone (redb's exclusive mode): writes need no wait.
    single_process: bool,
}

impl RedbEngine {
    /// Creates the tables of a new vault in `path`, which must not exist: the file is created
    /// exclusively, mode 0600. `initialize` writes the header in the first transaction.
    pub(crate) fn create_file(
        path: &Path,
        busy_timeout: Duration,
        single_process: bool,
    ) -> Result<RedbEngine, Error> {
        create_private_file(path)?;
        match builder(single_process).create(path) {
            Ok(db) => Ok(RedbEngine::new(db, path, busy_timeout, single_process)),
            Err(e) => {
                // Nothing was committed: do not leave a file that `create` would then refuse.
                let _ = fs::remove_file(path);
                Err(storage(e))
            }
        }
    }

    /// Opens an existing vault file for reading and writing. With `check_integrity`, redb
    /// verifies every page's checksum first (FORMAT.md §Container): damage present in the file
    /// is then a typed error here instead of a panic, or a silently missed index entry, later.
    pub(crate) fn open_file(
        path: &Path,
        busy_timeout: Duration,
        check_integrity: bool,
        single_process: bool,
    ) -> Result<RedbEngine, Error> {
        check_vault_file(path)?;
        let db = guarded("opening the file", || {
            open_writable(path, busy_timeout, check_integrity, single_process)
        })?;
        Ok(RedbEngine::new(db, path, busy_timeout, single_process))
    }

    /// A vault on a caller-supplied backend. `single_process` as for files; a backend without
    /// file locks (redb's `InMemoryBackend`) needs it. `check_integrity` as for
    /// [`RedbEngine::open_file`]: without it redb trusts page pointers it has not verified, and a
    /// damaged one sizes a read buffer of up to 4 GiB before the read fails.
    pub(crate) fn with_backend(
        backend: impl redb::StorageBackend,
        name: &Path,
        busy_timeout: Duration,
        single_process: bool,
        check_integrity: bool,
    ) -> Result<RedbEngine, Error> {
        let mut b = builder(single_process);
        b.set_check_integrity_on_open(check_integrity);
        let db = guarded("opening the backend", || {
            b.create_with_backend(backend)
                .map_err(|e| open_error(e, name))
        })?;
        Ok(RedbEngine::new(db, name, busy_timeout, single_process))
    }

    fn new(db: Database, path: &Path, busy_timeout: Duration, single_process: bool) -> RedbEngine {
        RedbEngine {
            db,
            path: path.to_path_buf(),
            busy_timeout,
            single_process,
        }
    }

    /// Whether the database holds any table yet (a backend handed to `create` must not).
    pub(crate) fn is_blank(&self) -> Result<bool, Error> {
        let txn = self.db.begin_read().map_err(storage)?;
        Ok(txn.list_tables().map_err(storage)?.next().is_none())
    }

    /// Begins a write transaction, waiting up to the busy timeout for other processes.
    fn begin_write(&self) -> Result<WriteTransaction, Error> {
        if self.single_process {
            // In-process writers are already serialized by the batcher's commit lock.
            return self.db.begin_write().map_err(storage);
        }
        let start = Instant::now();
        let mut pause = Duration::from_micros(200);
        loop {
            match self.db.try_begin_write() {
                Ok(txn) => return Ok(txn),
                Err(redb::TransactionError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= self.busy_timeout {
                        return Err(Error::Busy { waited });
                    }
                    std::thread::sleep(pause.min(self.busy_timeout - waited));
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) => return Err(storage(e)),
            }
        }
    }
}

impl Engine for RedbEngine {
    fn read(&self, f: &mut dyn FnMut(&dyn ReadStore) -> Result<(), Error>) -> Result<(), Error> {
        guarded("reading", || self.read_unguarded(f))
    }

    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn WriteStore) -> Result<(), Error>,
    ) -> Result<(), Error> {
        guarded("writing", || self.write_unguarded(f))
    }

    fn compact(&mut self) -> Result<bool, Error> {
        guarded("compacting", || self.db.compact().map_err(storage))
    }
}

impl RedbEngine {
    fn read_unguarded(
        &self,
        f: &mut dyn FnMut(&dyn ReadStore) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let txn = self.db.begin_read().map_err(storage)?;
        f(&LazyTables::new(&txn, &self.path))
    }

    fn write_unguarded(
        &self,
        f: &mut dyn FnMut(&mut dyn WriteStore) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let txn = self.begin_write()?;
        {
            let [a, b, c, d] = IndexKind::ALL.map(|kind| txn.open_table(index_table(kind)));
            let mut tables = Tables {
                header: txn.open_table(HEADER).map_err(storage)?,
                records: txn.open_table(RECORDS).map_err(storage)?,
                order: txn.open_table(ORDER).map_err(storage)?,
                indexes: [
                    a.map_err(storage)?,
                    b.map_err(storage)?,
                    c.map_err(storage)?,
                    d.map_err(storage)?,
                ],
            };
            // An error here drops the transaction uncommitted: nothing changes.
            f(&mut tables)?;
        }
        txn.commit().map_err(storage)
    }
}

/// Runs `f`, turning a panic into a typed error.
///
/// redb 4.6 trusts the pages it reads: some damaged pages make it panic (`unreachable!` in its
/// b-tree code) instead of returning `Corrupted` (found by the `file_bytes` fuzz target and
/// tests/reliability_damaged_files.rs). The integrity check on open rejects damage present when
/// the file is opened; this catches what happens to the file afterwards. A second panic while
/// unwinding still aborts the process; no code outside redb can prevent that.
fn guarded<T>(during: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::corrupted(format!(
            "the storage engine failed on damaged data while {during}; run `tokenvault verify`, or restore the vault from a backup"
        )))
    })
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
}

/// The open tables of one write transaction.
struct Tables<H, R, O, I> {
    header: H,
    records: R,
    order: O,
    indexes: [I; 4],
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
}

/// The tables of one read transaction, each opened when first used.
struct LazyTables<'t> {
    txn: &'t ReadTransaction,
    path: &'t Path,
    header: OnceCell<ReadOnlyTable<&'static str, &'static [u8]>>,
    records: OnceCell<ReadOnlyTable<u64, &'static [u8]>>,
    order: OnceCell<ReadOnlyTable<u64, u64>>,
    indexes: [OnceCell<ReadOnlyTable<IndexKey, u64>>; 4],
}

impl<'t> LazyTables<'t> {
    fn new(txn: &'t ReadTransaction, path: &'t Path) -> Self {
        LazyTables {
            txn,
            path,
            header: OnceCell::new(),
            records: OnceCell::new(),
            order: OnceCell::new(),
            indexes: Default::default(),
        }
    }

    fn open<'c, K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        cell: &'c OnceCell<ReadOnlyTable<K, V>>,
        definition: TableDefinition<K, V>,
    ) -> Result<&'c ReadOnlyTable<K, V>, Error> {
        if let Some(table) = cell.get() {
            return Ok(table);
        }
        let table = self
            .txn
            .open_table(definition)
            .map_err(|e| table_error(e, self.path))?;
        Ok(cell.get_or_init(|| table))
    }
}

impl OpenTables for LazyTables<'_> {
    type Header = ReadOnlyTable<&'static str, &'static [u8]>;
    type Records = ReadOnlyTable<u64, &'static [u8]>;
    type Order = ReadOnlyTable<u64, u64>;
    type Index = ReadOnlyTable<IndexKey, u64>;
    fn header(&self) -> Result<&Self::Header, Error> {
        self.open(&self.header, HEADER)
    }
    fn records(&self) -> Result<&Self::Records, Error> {
        self.open(&self.records, RECORDS)
    }
    fn order_table(&self) -> Result<&Self::Order, Error> {
        self.open(&self.order, ORDER)
    }
    fn index(&self, kind: IndexKind) -> Result<&Self::Index, Error> {
        self.open(&self.indexes[kind as usize], index_table(kind))
    }
}

impl<T: OpenTables> ReadStore for T {
    fn header_entry(&self, slot: HeaderSlot) -> Result<Option<Vec<u8>>, Error> {
        Ok(self
            .header()?
            .get(slot.key())
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
}

type WriteTables<'t> = Tables<
    Table<'t, &'static str, &'static [u8]>,
    Table<'t, u64, &'static [u8]>,
    Table<'t, u64, u64>,
    Table<'t, IndexKey, u64>,
>;

impl WriteStore for WriteTables<'_> {
    fn put_header_entry(&mut self, slot: HeaderSlot, value: &[u8]) -> Result<(), Error> {
        self.header.insert(slot.key(), value).map_err(storage)?;
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
        self.clear_indexes()
    }
}

/// Creates `path` exclusively, readable and writable by its owner only.
fn create_private_file(path: &Path) -> Result<(), Error> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::AlreadyExists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io_at(e, format!("cannot create {}", path.display()))),
    }
}

/// An I/O error that says what it happened to (the OS's own message names no file).
fn io_at(e: std::io::Error, what: String) -> Error {
    Error::Io(std::io::Error::new(e.kind(), format!("{what}: {e}")))
}

/// Checks that `path` is a non-empty regular file before redb touches it.
fn check_vault_file(path: &Path) -> Result<(), Error> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::VaultNotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Io(e),
    })?;
    if !meta.is_file() || meta.len() == 0 {
        return Err(Error::NotAVault {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Opens the file for writing, waiting at most `busy_timeout` for any file lock: a writable
/// multi-writer open waits for the write lock of a transaction another process has open, and
/// redb would wait for it forever (see `bounded_locks.rs`). `check_vault_file` has just refused
/// an empty file, which `create_with_backend` (redb's only open that takes a backend) would
/// initialize.
fn open_writable(
    path: &Path,
    busy_timeout: Duration,
    check_integrity: bool,
    single_process: bool,
) -> Result<Database, Error> {
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_at(e, format!("cannot open {} for writing", path.display())))?;
    let backend = FileBackend::new(file).map_err(|e| open_error(e, path))?;
    let mut builder = builder(single_process);
    builder.set_check_integrity_on_open(check_integrity);
    builder
        .create_with_backend(BoundedLocks::new(backend, busy_timeout))
        .map_err(|e| open_error(e, path))
}

/// The read-only counterpart of [`open_writable`].
fn open_read_only(
    path: &Path,
    busy_timeout: Duration,
) -> Result<redb::ReadOnlyDatabase, redb::DatabaseError> {
    let file = fs::File::open(path)?;
    builder(false)
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

/// What a file shows without any key: the header entries and the number of records.
pub(crate) struct FileView {
    pub(crate) header: Vec<u8>,
    pub(crate) state: Vec<u8>,
    pub(crate) records: u64,
}

/// Reads the unkeyed parts of a vault file without writing a byte (not even redb's
/// bookkeeping), unless the file needs crash recovery, which only a writable open performs.
pub(crate) fn view_file(path: &Path, busy_timeout: Duration) -> Result<FileView, Error> {
    check_vault_file(path)?;
    guarded("reading the header", || {
        view_file_unguarded(path, busy_timeout)
    })
}

fn view_file_unguarded(path: &Path, busy_timeout: Duration) -> Result<FileView, Error> {
    match open_read_only(path, busy_timeout) {
        Ok(db) => {
            let view = view(&db, path)?;
            db.close().map_err(storage)?;
            Ok(view)
        }
        Err(redb::DatabaseError::RepairAborted) => {
            let db = open_writable(path, busy_timeout, true, false)?;
            view(&db, path)
        }
        Err(e) => Err(open_error(e, path)),
    }
}

fn view(db: &impl ReadableDatabase, path: &Path) -> Result<FileView, Error> {
    let txn = db.begin_read().map_err(storage)?;
    let header = txn.open_table(HEADER).map_err(|e| table_error(e, path))?;
    let entry = |slot: HeaderSlot| -> Result<Vec<u8>, Error> {
        Ok(header
            .get(slot.key())
            .map_err(storage)?
            .ok_or_else(|| Error::corrupted(format!("{} missing", slot.key())))?
            .value()
            .to_vec())
    };
    Ok(FileView {
        header: entry(HeaderSlot::Header)?,
        state: entry(HeaderSlot::State)?,
        records: txn
            .open_table(RECORDS)
            .map_err(|e| table_error(e, path))?
            .len()
            .map_err(storage)?,
    })
}
