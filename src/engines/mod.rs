//! The storage seam: what the vault's logic needs from a storage engine, and the one place that
//! builds an engine for a [`Location`].
//!
//! The logic (`store/lookup.rs`, `store/write.rs`) sees only the traits here, so the same rules,
//! records and blind indexes run over a redb file (`redb/`), memory or a caller's backend (also
//! `redb/`), a MySQL/MariaDB database (`mysql.rs`) or a PostgreSQL one (`postgres.rs`): any
//! engine with ACID transactions over these tables (FORMAT.md §Tables). An engine stores bytes; it
//! never sees a key or a plaintext. Each engine maps its own storage errors onto [`Error`].
//!
//! Adding an engine is one new module that implements [`Engine`] and one arm in [`connect`];
//! nothing above this seam changes. The PostgreSQL engine proved it: its module is a file and a
//! folder of its concepts (URL, TLS, connections, errors, the transaction), and a server engine
//! shares its URL rules with the MySQL one through `server_url.rs`.

mod bounded_locks;
#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
pub(crate) mod redb;
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub(crate) mod server_url;

use crate::blind_index::{IndexKind, Tag};
use crate::error::Error;
use crate::location::{Location, Target};
use crate::options::OpenOptions;

/// The two entries of the header table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeaderEntry {
    /// The static header (FORMAT.md §Header).
    Header,
    /// The counters and their MAC (FORMAT.md §State).
    State,
}

impl HeaderEntry {
    /// The key of this entry in the header table.
    pub(crate) fn key(self) -> &'static str {
        match self {
            HeaderEntry::Header => "header",
            HeaderEntry::State => "state",
        }
    }
}

/// Called with `(id, sealed record)` for each record.
pub(crate) type RecordVisitor<'a> = &'a mut dyn FnMut(u64, &[u8]) -> Result<(), Error>;

/// Reads within one transaction (a consistent snapshot).
pub(crate) trait ReadTables {
    fn header_entry(&self, entry: HeaderEntry) -> Result<Option<Vec<u8>>, Error>;
    /// The sealed record stored under `id`.
    fn record(&self, id: u64) -> Result<Option<Vec<u8>>, Error>;
    /// The largest stored id.
    fn max_id(&self) -> Result<Option<u64>, Error>;
    /// The largest insertion position in use.
    fn last_seq(&self) -> Result<Option<u64>, Error>;
    /// How many records are stored.
    fn count(&self) -> Result<u64, Error>;
    /// Every `(seq, id)` of the order table, by `seq`.
    fn order(&self) -> Result<Vec<(u64, u64)>, Error>;
    /// `(seq, id)` of every entry of index `kind` with `tag`, by `seq`.
    fn index_hits(&self, kind: IndexKind, tag: &Tag) -> Result<Vec<(u64, u64)>, Error>;
    /// Calls `f(id, sealed)` for every record, by id (for `verify`).
    fn each_record(&self, f: RecordVisitor<'_>) -> Result<(), Error>;
    /// Every `(tag, seq, id)` entry of index `kind` (for `verify`).
    fn index_entries(&self, kind: IndexKind) -> Result<Vec<(Tag, u64, u64)>, Error>;
    /// The refresh lease stored for token `id` (FORMAT.md §Leases).
    fn lease(&self, id: u64) -> Result<Option<Vec<u8>>, Error>;
    /// Every `(id, lease)`, by id.
    fn leases(&self) -> Result<Vec<(u64, Vec<u8>)>, Error>;
}

/// Reads and writes within one write transaction. Nothing is visible to others, or durable,
/// until the engine commits it.
pub(crate) trait WriteTables: ReadTables {
    fn put_header_entry(&mut self, entry: HeaderEntry, value: &[u8]) -> Result<(), Error>;
    fn put_record(&mut self, id: u64, sealed: &[u8]) -> Result<(), Error>;
    fn remove_record(&mut self, id: u64) -> Result<(), Error>;
    fn put_order(&mut self, seq: u64, id: u64) -> Result<(), Error>;
    fn remove_order(&mut self, seq: u64) -> Result<(), Error>;
    fn put_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64, id: u64) -> Result<(), Error>;
    fn remove_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64) -> Result<(), Error>;
    /// Removes every index entry.
    fn clear_indexes(&mut self) -> Result<(), Error>;
    /// Removes every record, order entry, index entry and lease (the header stays).
    fn clear_tokens(&mut self) -> Result<(), Error>;
    fn put_lease(&mut self, id: u64, lease: &[u8]) -> Result<(), Error>;
    fn remove_lease(&mut self, id: u64) -> Result<(), Error>;
}

/// Implements [`ReadTables`] for `$wrapper`, a write transaction's tables that hold the
/// transaction (`self.0`, itself [`ReadTables`]): the server engines' `Writing`.
#[cfg(any(feature = "mysql", feature = "postgres"))]
macro_rules! read_tables_through_field_0 {
    ($wrapper:ty) => {
        impl $crate::engines::ReadTables for $wrapper {
            fn header_entry(
                &self,
                entry: $crate::engines::HeaderEntry,
            ) -> Result<Option<Vec<u8>>, $crate::error::Error> {
                self.0.header_entry(entry)
            }
            fn record(&self, id: u64) -> Result<Option<Vec<u8>>, $crate::error::Error> {
                self.0.record(id)
            }
            fn max_id(&self) -> Result<Option<u64>, $crate::error::Error> {
                self.0.max_id()
            }
            fn last_seq(&self) -> Result<Option<u64>, $crate::error::Error> {
                self.0.last_seq()
            }
            fn count(&self) -> Result<u64, $crate::error::Error> {
                self.0.count()
            }
            fn order(&self) -> Result<Vec<(u64, u64)>, $crate::error::Error> {
                self.0.order()
            }
            fn index_hits(
                &self,
                kind: $crate::blind_index::IndexKind,
                tag: &$crate::blind_index::Tag,
            ) -> Result<Vec<(u64, u64)>, $crate::error::Error> {
                self.0.index_hits(kind, tag)
            }
            fn each_record(
                &self,
                f: $crate::engines::RecordVisitor<'_>,
            ) -> Result<(), $crate::error::Error> {
                self.0.each_record(f)
            }
            fn index_entries(
                &self,
                kind: $crate::blind_index::IndexKind,
            ) -> Result<Vec<($crate::blind_index::Tag, u64, u64)>, $crate::error::Error> {
                self.0.index_entries(kind)
            }
            fn lease(&self, id: u64) -> Result<Option<Vec<u8>>, $crate::error::Error> {
                self.0.lease(id)
            }
            fn leases(&self) -> Result<Vec<(u64, Vec<u8>)>, $crate::error::Error> {
                self.0.leases()
            }
        }
    };
}
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub(crate) use read_tables_through_field_0;

/// One write transaction. Dropped without [`WriteTxn::commit`], it rolls back: nothing changes.
pub(crate) trait WriteTxn {
    /// The transaction's tables. Called once per transaction.
    fn store(&mut self) -> Result<Box<dyn WriteTables + '_>, Error>;
    /// Commits, durably before returning.
    fn commit(self: Box<Self>) -> Result<(), Error>;
}

/// A storage engine: transactions over the vault's tables.
pub(crate) trait Engine: Send + Sync {
    /// Begins a read transaction: a consistent snapshot, ended when dropped.
    fn begin_read(&self) -> Result<Box<dyn ReadTables + '_>, Error>;
    /// Begins a write transaction, waiting up to the busy timeout for other writers.
    fn begin_write(&self) -> Result<Box<dyn WriteTxn + '_>, Error>;
    /// Creates the vault's tables where they do not exist yet (a new vault).
    fn create_tables(&self) -> Result<(), Error>;
    /// Whether the storage holds no vault header (a new vault may be written).
    fn is_blank(&self) -> Result<bool, Error>;
    /// This engine, allowed to write: an engine built with [`Access::Inspect`] opens its storage
    /// for writing now or at its first write (the file engine reads through a read-only view,
    /// so that a wrong passphrase, and a handle that only reads, change no byte; it opens the
    /// file for writing at the first [`Engine::begin_write`] unless `single_process` or
    /// `check_integrity` asks for it at once); others return themselves.
    fn into_writable(self: Box<Self>) -> Result<Box<dyn Engine>, Error>;
    /// What the storage's own checks find wrong with it, without changing it (for `verify`):
    /// the file engine runs redb's integrity check on a copy of the file in memory. Empty where
    /// all is well, or where the engine has no such check.
    fn storage_problems(&self) -> Result<Vec<String>, Error> {
        Ok(Vec::new())
    }
    /// Gives free space back, where the engine can. `Ok(false)` when there was nothing to do.
    fn compact(&mut self) -> Result<bool, Error>;
    /// The bytes the vault takes: a file's size, or a server's tables as the server reports it.
    fn stored_bytes(&self) -> Result<u64, Error>;
    /// Removes what [`Access::Create`] made, after a creation that committed nothing (a new file
    /// is deleted; a server database keeps its empty tables).
    fn discard_new(self: Box<Self>);
}

/// What the caller is about to do with the engine [`connect`] builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Create a vault: a file must not exist yet (it is created exclusively, mode 0600).
    Create,
    /// Read an existing vault without changing anything (a file is opened read-only);
    /// [`Engine::into_writable`] then allows writes.
    Inspect,
}

/// The engine for `location`: the one place that maps a location to an engine.
pub(crate) fn connect(
    location: &Location,
    options: &OpenOptions,
    access: Access,
) -> Result<Box<dyn Engine>, Error> {
    match location.target() {
        Target::File(path) => redb::RedbEngine::file(path, options, access),
        Target::Memory => redb::RedbEngine::memory(options),
        #[cfg(feature = "storage-backend")]
        Target::Backend(backend) => {
            let taken = backend.take().ok_or_else(|| Error::InvalidLocation {
                reason: format!(
                    "the backend {location} was already opened; a backend holds one database, \
                     so build a new Location::backend to open it again"
                ),
            })?;
            redb::RedbEngine::backend(taken, &location.shown(), options)
        }
        #[cfg(feature = "mysql")]
        Target::Server { url, scheme } if scheme == "mysql" => {
            Ok(Box::new(mysql::MySqlEngine::connect(url, options)?))
        }
        #[cfg(feature = "postgres")]
        Target::Server { url, scheme } if scheme == "postgres" || scheme == "postgresql" => {
            Ok(Box::new(postgres::PostgresEngine::connect(url, options)?))
        }
        Target::Server { scheme, .. } => Err(Error::InvalidLocation {
            reason: format!(
                "{location}: this build of tokenvault has no engine for {scheme}:// URLs ({})",
                server_engines()
            ),
        }),
    }
}

/// Which server URLs this build knows, and which features the others need.
fn server_engines() -> String {
    let engines = [
        ("mysql://", "mysql", cfg!(feature = "mysql")),
        ("postgres://", "postgres", cfg!(feature = "postgres")),
    ];
    engines
        .iter()
        .map(|(scheme, feature, built)| {
            if *built {
                format!("{scheme} is built in")
            } else {
                format!("{scheme} needs the `{feature}` feature")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs `f`, turning a panic inside a storage engine into a typed error.
///
/// redb 4.6 trusts the pages it reads: some damaged pages make it panic (`unreachable!` in its
/// b-tree code) instead of returning `Corrupted` (found by the `file_bytes` fuzz target and
/// tests/reliability/damaged_files.rs). redb's integrity check, where it runs (after an unclean
/// shutdown, or on every open with `OpenOptions::check_integrity`), rejects damage present at
/// open; this catches the rest. A second panic while
/// unwinding still aborts the process; no code outside redb can prevent that.
pub(crate) fn guarded<T>(during: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::corrupted(format!(
            "the storage engine failed on damaged data while {during}; verify the vault, or restore it from a backup"
        )))
    })
}
