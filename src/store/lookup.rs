//! Finding records: the lookups every transaction shares, over any engine.
//!
//! Invariants kept by `write.rs` in every write transaction and checked here on every read
//! (FORMAT.md §Tables):
//! - `records[id]` is a sealed record whose payload carries its `seq`;
//! - `order[seq] = id` for exactly the stored records, so `order` iterates in insertion order;
//! - each index holds `tag ‖ seq → id` for exactly the indexed fields of the stored records.

use crate::engines::ReadTables;
use crate::error::Error;
use crate::format::{self, Record};
use crate::rules::{self, Selector};
use crate::store::keys::Unlocked;

/// The record stored under `id`, opened and authenticated.
pub(crate) fn load(
    store: &dyn ReadTables,
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
fn load_at(store: &dyn ReadTables, keys: &Unlocked, seq: u64, id: u64) -> Result<Record, Error> {
    let record = load(store, keys, id)?.ok_or_else(|| {
        Error::corrupted(format!(
            "an entry at position {seq} names missing record {id}"
        ))
    })?;
    check_position(&record, seq, id)?;
    Ok(record)
}

/// A record reached through an entry at position `seq` must carry that position.
fn check_position(record: &Record, seq: u64, id: u64) -> Result<(), Error> {
    if record.seq != seq {
        return Err(Error::corrupted(format!(
            "record {id} is at position {}, an entry says {seq}",
            record.seq
        )));
    }
    Ok(())
}

/// The first stored token, in insertion order, that `selector` selects. Index hits are only
/// candidates: each is confirmed against the decrypted record (tags can collide).
pub(crate) fn first_match(
    store: &dyn ReadTables,
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
///
/// One pass over `records` (by id) and one over `order` (by position) instead of a lookup per
/// record; each order entry must name a stored record at its position, and every record must
/// have an entry.
pub(crate) fn all(store: &dyn ReadTables, keys: &Unlocked) -> Result<Vec<Record>, Error> {
    let mut sealed: Vec<(u64, Vec<u8>)> = Vec::new();
    store.each_record(&mut |id, bytes| {
        sealed.push((id, bytes.to_vec()));
        Ok(())
    })?;
    let mut by_id = open_all(keys, &sealed)?;
    drop(sealed);
    // Engines visit records by id; sorting again costs one pass and makes the search below
    // independent of that promise.
    by_id.sort_unstable_by_key(|(id, _)| *id);
    let order = store.order()?;
    if order.len() != by_id.len() {
        return Err(Error::corrupted(format!(
            "{} records but {} positions",
            by_id.len(),
            order.len()
        )));
    }
    order
        .into_iter()
        .map(|(seq, id)| {
            let record = by_id
                .binary_search_by_key(&id, |(id, _)| *id)
                .ok()
                .and_then(|at| by_id[at].1.take())
                .ok_or_else(|| {
                    Error::corrupted(format!(
                        "an entry at position {seq} names missing record {id}"
                    ))
                })?;
            check_position(&record, seq, id)?;
            Ok(record)
        })
        .collect()
}

/// Records per thread below which opening them on more threads is not worth a thread.
const RECORDS_PER_THREAD: usize = 1024;

/// Opens every `(id, sealed)` record. Opening (AES-GCM, then decoding) is most of the time of a
/// full read, so a large one is spread over the cores, on scoped threads rather than a pool:
/// nothing outlives the call, so a process forked afterwards (a prefork web server) never
/// inherits a pool whose threads did not survive the fork.
fn open_all(
    keys: &Unlocked,
    sealed: &[(u64, Vec<u8>)],
) -> Result<Vec<(u64, Option<Record>)>, Error> {
    let open = |chunk: &[(u64, Vec<u8>)]| -> Result<Vec<(u64, Option<Record>)>, Error> {
        chunk
            .iter()
            .map(|(id, bytes)| {
                format::open_record(&keys.record_key, keys.store_id(), *id, bytes)
                    .map(|record| (*id, Some(record)))
            })
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(sealed.len() / RECORDS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return open(sealed);
    }
    std::thread::scope(|scope| {
        let chunks = sealed.chunks(sealed.len().div_ceil(threads));
        // A thread the system refuses (a thread limit) leaves its chunk to this one.
        let started: Vec<_> = chunks
            .map(|chunk| {
                let spawned = std::thread::Builder::new().spawn_scoped(scope, move || open(chunk));
                (chunk, spawned.ok())
            })
            .collect();
        let mut opened = Vec::with_capacity(sealed.len());
        for (chunk, thread) in started {
            let part = match thread {
                Some(thread) => thread
                    .join()
                    .map_err(|_| Error::internal("a decrypting thread panicked"))?,
                None => open(chunk),
            };
            opened.extend(part?);
        }
        Ok(opened)
    })
}

/// The position a new record takes: after every stored one.
pub(crate) fn next_seq(store: &dyn ReadTables) -> Result<u64, Error> {
    match store.last_seq()? {
        None => Ok(0),
        Some(seq) => seq
            .checked_add(1)
            .ok_or_else(|| Error::corrupted("insertion counter exhausted")),
    }
}
