//! Finding records: the lookups every transaction shares, over any engine.
//!
//! Invariants kept by `write.rs` in every write transaction and checked here on every read
//! (FORMAT.md §Tables):
//! - `records[id]` is a sealed record whose payload carries its `seq`;
//! - `order[seq] = id` for exactly the stored records, so `order` iterates in insertion order;
//! - each index holds `tag ‖ seq → id` for exactly the indexed fields of the stored records.

use crate::error::Error;
use crate::format::{self, Record};
use crate::rules::{self, Selector};
use crate::store::engine::ReadStore;
use crate::store::keys::Unlocked;

/// The record stored under `id`, opened and authenticated.
pub(crate) fn load(
    store: &dyn ReadStore,
    keys: &Unlocked,
    id: u64,
) -> Result<Option<Record>, Error> {
    match store.record(id)? {
        None => Ok(None),
        Some(sealed) => {
            format::open_record(&keys.record_key, keys.store_id(), id, &sealed).map(Some)
        }
    }
}

/// Loads `id`, reached through an entry at position `seq`; the entry must agree with it.
fn load_at(store: &dyn ReadStore, keys: &Unlocked, seq: u64, id: u64) -> Result<Record, Error> {
    let record = load(store, keys, id)?.ok_or_else(|| {
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

/// The first stored token, in insertion order, that `selector` selects. Index hits are only
/// candidates: each is confirmed against the decrypted record (tags can collide).
pub(crate) fn first_match(
    store: &dyn ReadStore,
    keys: &Unlocked,
    selector: &Selector<'_>,
) -> Result<Option<Record>, Error> {
    if let Selector::Id(id) = selector {
        return match rules::parse_id(id) {
            Some(id) => load(store, keys, id),
            None => Ok(None),
        };
    }
    let mut candidates = Vec::new();
    for (kind, value) in rules::lookups(selector) {
        candidates.extend(store.index_hits(kind, &keys.index.tag(kind, value))?);
    }
    candidates.sort_unstable();
    candidates.dedup();
    for (seq, id) in candidates {
        let record = load_at(store, keys, seq, id)?;
        if rules::matches(selector, &record.token) {
            return Ok(Some(record));
        }
    }
    Ok(None)
}

/// Every stored record, in insertion order.
pub(crate) fn all(store: &dyn ReadStore, keys: &Unlocked) -> Result<Vec<Record>, Error> {
    store
        .order()?
        .into_iter()
        .map(|(seq, id)| load_at(store, keys, seq, id))
        .collect()
}

/// The position a new record takes: after every stored one.
pub(crate) fn next_seq(store: &dyn ReadStore) -> Result<u64, Error> {
    match store.last_seq()? {
        None => Ok(0),
        Some(seq) => seq
            .checked_add(1)
            .ok_or_else(|| Error::corrupted("insertion counter exhausted")),
    }
}
