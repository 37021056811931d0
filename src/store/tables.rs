//! The redb tables of a vault (FORMAT.md §Tables) and the lookups every transaction shares.
//!
//! Invariants kept by `write.rs` in every write transaction, checked here on every read:
//! - `records[id]` is a sealed record whose payload carries its `seq`;
//! - `order[seq] = id` for exactly the stored records, so `order` iterates in insertion order;
//! - each index holds `tag ‖ seq → id` for exactly the indexed fields of the stored records.

use redb::{ReadableTable, TableDefinition};

use crate::error::{Error, storage};
use crate::format::{self, Record};
use crate::index::{IndexKind, Tag};
use crate::rules::{self, Selector};
use crate::store::keys::Unlocked;

/// `"header"` → static header, `"state"` → counters and their MAC.
pub(crate) const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenvault_header");
pub(crate) const HEADER_KEY: &str = "header";
pub(crate) const STATE_KEY: &str = "state";
/// Token id → sealed record.
pub(crate) const RECORDS: TableDefinition<u64, &[u8]> = TableDefinition::new("records");
/// Insertion position → token id.
pub(crate) const ORDER: TableDefinition<u64, u64> = TableDefinition::new("order");

/// An index key: the 16-byte tag, then the big-endian `seq`, so one tag's entries are contiguous
/// and sorted in insertion order.
pub(crate) type IndexKey = [u8; 24];

pub(crate) fn index_table(kind: IndexKind) -> TableDefinition<'static, IndexKey, u64> {
    TableDefinition::new(kind.table_name())
}

pub(crate) fn index_key(tag: &Tag, seq: u64) -> IndexKey {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(tag);
    key[16..].copy_from_slice(&seq.to_be_bytes());
    key
}

fn seq_of(key: &IndexKey) -> u64 {
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&key[16..]);
    u64::from_be_bytes(seq)
}

/// The open tables of one transaction, read-only or writable.
pub(crate) struct Tables<R, O, I> {
    pub(crate) records: R,
    pub(crate) order: O,
    pub(crate) indexes: [I; 4],
}

impl<R, O, I> Tables<R, O, I>
where
    R: ReadableTable<u64, &'static [u8]>,
    O: ReadableTable<u64, u64>,
    I: ReadableTable<IndexKey, u64>,
{
    pub(crate) fn index(&self, kind: IndexKind) -> &I {
        &self.indexes[kind as usize]
    }

    /// The record stored under `id`, opened and authenticated.
    pub(crate) fn load(&self, keys: &Unlocked, id: u64) -> Result<Option<Record>, Error> {
        let Some(guard) = self.records.get(id).map_err(storage)? else {
            return Ok(None);
        };
        format::open_record(&keys.record_key, keys.store_id(), id, guard.value()).map(Some)
    }

    /// Loads `id`, reached through an entry at position `seq`; the entry must agree with it.
    fn load_at(&self, keys: &Unlocked, seq: u64, id: u64) -> Result<Record, Error> {
        let record = self.load(keys, id)?.ok_or_else(|| {
            Error::corrupted(format!(
                "an entry at position {seq} names missing record {id}"
            ))
        })?;
        if record.seq != seq {
            return Err(Error::corrupted(format!(
                "record {id} is at position {}, an entry says {seq}",
                record.seq
            )));
        }
        Ok(record)
    }

    /// `(seq, id)` of every entry with `tag`, in insertion order.
    fn index_hits(&self, kind: IndexKind, tag: &Tag) -> Result<Vec<(u64, u64)>, Error> {
        let range = index_key(tag, 0)..=index_key(tag, u64::MAX);
        let mut hits = Vec::new();
        for entry in self.index(kind).range(range).map_err(storage)? {
            let (key, id) = entry.map_err(storage)?;
            hits.push((seq_of(&key.value()), id.value()));
        }
        Ok(hits)
    }

    /// The first stored token, in insertion order, that `selector` selects. Index hits are only
    /// candidates: each is confirmed against the decrypted record (tags can collide).
    pub(crate) fn first_match(
        &self,
        keys: &Unlocked,
        selector: &Selector<'_>,
    ) -> Result<Option<Record>, Error> {
        if let Selector::Id(id) = selector {
            return match rules::parse_id(id) {
                Some(id) => self.load(keys, id),
                None => Ok(None),
            };
        }
        let mut candidates = Vec::new();
        for (kind, value) in rules::lookups(selector) {
            candidates.extend(self.index_hits(kind, &keys.index.tag(kind, value))?);
        }
        candidates.sort_unstable();
        candidates.dedup();
        for (seq, id) in candidates {
            let record = self.load_at(keys, seq, id)?;
            if rules::matches(selector, &record.token) {
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    /// Every stored record, in insertion order.
    pub(crate) fn all(&self, keys: &Unlocked) -> Result<Vec<Record>, Error> {
        let mut out =
            Vec::with_capacity(usize::try_from(self.order.len().map_err(storage)?).unwrap_or(0));
        for entry in self.order.iter().map_err(storage)? {
            let (seq, id) = entry.map_err(storage)?;
            out.push(self.load_at(keys, seq.value(), id.value())?);
        }
        Ok(out)
    }

    /// The largest stored id.
    pub(crate) fn max_id(&self) -> Result<Option<u64>, Error> {
        Ok(self
            .records
            .last()
            .map_err(storage)?
            .map(|(id, _)| id.value()))
    }

    /// The position a new record takes: after every stored one.
    pub(crate) fn next_seq(&self) -> Result<u64, Error> {
        match self.order.last().map_err(storage)? {
            None => Ok(0),
            Some((seq, _)) => seq
                .value()
                .checked_add(1)
                .ok_or_else(|| Error::corrupted("insertion counter exhausted")),
        }
    }

    pub(crate) fn count(&self) -> Result<u64, Error> {
        self.records.len().map_err(storage)
    }
}
