//! The storage seam: what the vault's logic needs from a storage engine, inside one transaction.
//!
//! The logic (`lookup.rs`, `write.rs`) sees only these traits, so the same rules, records and
//! blind indexes run over the redb file (`redb_engine.rs`) or any other engine that provides
//! ACID transactions with these tables (FORMAT.md §Tables). An engine stores bytes; it never sees
//! a key or a plaintext.

use crate::error::Error;
use crate::index::{IndexKind, Tag};

/// The two entries of the header table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeaderSlot {
    /// The static header (FORMAT.md §Header).
    Header,
    /// The counters and their MAC (FORMAT.md §State).
    State,
}

impl HeaderSlot {
    /// The key of this entry in the header table.
    pub(crate) fn key(self) -> &'static str {
        match self {
            HeaderSlot::Header => "header",
            HeaderSlot::State => "state",
        }
    }
}

/// Called with `(id, sealed record)` for each record.
pub(crate) type RecordVisitor<'a> = &'a mut dyn FnMut(u64, &[u8]) -> Result<(), Error>;

/// Reads within one transaction (a consistent snapshot).
pub(crate) trait ReadStore {
    fn header_entry(&self, slot: HeaderSlot) -> Result<Option<Vec<u8>>, Error>;
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
}

/// Reads and writes within one write transaction. Nothing is visible to others, or durable,
/// until the engine commits it.
pub(crate) trait WriteStore: ReadStore {
    fn put_header_entry(&mut self, slot: HeaderSlot, value: &[u8]) -> Result<(), Error>;
    fn put_record(&mut self, id: u64, sealed: &[u8]) -> Result<(), Error>;
    fn remove_record(&mut self, id: u64) -> Result<(), Error>;
    fn put_order(&mut self, seq: u64, id: u64) -> Result<(), Error>;
    fn remove_order(&mut self, seq: u64) -> Result<(), Error>;
    fn put_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64, id: u64) -> Result<(), Error>;
    fn remove_index(&mut self, kind: IndexKind, tag: &Tag, seq: u64) -> Result<(), Error>;
    /// Removes every index entry.
    fn clear_indexes(&mut self) -> Result<(), Error>;
    /// Removes every record, order entry and index entry (the header stays).
    fn clear_tokens(&mut self) -> Result<(), Error>;
}

/// A storage engine: runs closures in transactions.
pub(crate) trait Engine: Send + Sync {
    /// Runs `f` in a read transaction.
    fn read(&self, f: &mut dyn FnMut(&dyn ReadStore) -> Result<(), Error>) -> Result<(), Error>;
    /// Runs `f` in a write transaction and commits it when `f` succeeds (durably, before
    /// returning); an error from `f` aborts it and changes nothing.
    fn write(
        &self,
        f: &mut dyn FnMut(&mut dyn WriteStore) -> Result<(), Error>,
    ) -> Result<(), Error>;
    /// Gives free space back, where the engine can. `Ok(false)` when there was nothing to do.
    fn compact(&mut self) -> Result<bool, Error>;
    /// The bytes the vault takes where the engine knows (a server's tables); `None` for a file,
    /// whose size the file system tells.
    fn stored_bytes(&self) -> Result<Option<u64>, Error> {
        Ok(None)
    }
}
