//! One write transaction: the authenticated state, and the mutations that keep the table
//! invariants (see `lookup.rs`) and the seal budget.
//!
//! Every operation here checks everything that depends on its input *before* its first mutation,
//! so a refused operation changes nothing even inside a batch shared with other operations.

use std::sync::Arc;

use crate::crypto::SEAL_BUDGET;
use crate::engines::{HeaderEntry, ReadTables, WriteTables};
use crate::error::Error;
use crate::format::{self, Record, State};
use crate::lease::Lease;
use crate::rules::{self, SaveTarget};
use crate::store::keys::Unlocked;
use crate::store::lookup;
use crate::token::Token;

/// What `save_token` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveOutcome {
    /// A new token was stored.
    Inserted,
    /// A stored token was merged with the given one and replaced.
    Updated,
}

pub(crate) struct Writer<'s> {
    store: &'s mut dyn WriteTables,
    pub(crate) keys: Arc<Unlocked>,
    state: State,
    seals: u64,
}

/// Reads a header entry that must exist.
fn header_entry(store: &dyn WriteTables, slot: HeaderEntry) -> Result<Vec<u8>, Error> {
    store
        .header_entry(slot)?
        .ok_or_else(|| Error::corrupted(format!("{} missing", slot.key())))
}

impl<'s> Writer<'s> {
    /// Reads and authenticates the state. `keys_for` turns the header and state bytes found in
    /// the store into the keys to use (they differ from the cached ones after another process
    /// rotated).
    pub(crate) fn begin(
        store: &'s mut dyn WriteTables,
        keys_for: impl FnOnce(&[u8], &[u8]) -> Result<Arc<Unlocked>, Error>,
    ) -> Result<Writer<'s>, Error> {
        let header_bytes = header_entry(store, HeaderEntry::Header)?;
        let state_bytes = header_entry(store, HeaderEntry::State)?;
        let keys = keys_for(&header_bytes, &state_bytes)?;
        let state = State::decode(&state_bytes, &keys.state_mac_key, &keys.header_bytes)?;
        Ok(Writer {
            store,
            keys,
            state,
            seals: 0,
        })
    }

    /// How many tokens are stored.
    pub(crate) fn stored_count(&self) -> Result<u64, Error> {
        self.store.count()
    }

    /// Writes a fresh header and state into a new, empty vault.
    pub(crate) fn initialize(store: &mut dyn WriteTables, keys: &Unlocked) -> Result<(), Error> {
        let state = State {
            generation: 1,
            seal_count: 0,
        };
        store.put_header_entry(HeaderEntry::Header, &keys.header_bytes)?;
        store.put_header_entry(
            HeaderEntry::State,
            &state.encode(&keys.state_mac_key, &keys.header_bytes),
        )
    }

    /// Seals a record for `token` (normalized, with its id) at `seq`, within the seal budget.
    /// Fails without side effects.
    fn seal(&mut self, id: u64, seq: u64, token: &Token) -> Result<Vec<u8>, Error> {
        if self.state.seal_count.saturating_add(self.seals) >= SEAL_BUDGET {
            return Err(Error::SealBudgetExhausted);
        }
        let plaintext = format::encode_record(seq, token)?;
        let sealed =
            format::seal_record(&self.keys.record_key, self.keys.store_id(), id, &plaintext)?;
        self.seals += 1;
        Ok(sealed)
    }

    fn put_index_entries(&mut self, seq: u64, id: u64, token: &Token) -> Result<(), Error> {
        for (kind, tag) in self.keys.index.entries(token) {
            self.store.put_index(kind, &tag, seq, id)?;
        }
        Ok(())
    }

    fn remove_index_entries(&mut self, seq: u64, token: &Token) -> Result<(), Error> {
        for (kind, tag) in self.keys.index.entries(token) {
            self.store.remove_index(kind, &tag, seq)?;
        }
        Ok(())
    }

    /// Stores `token` under `id` at a new position after every other record.
    fn insert(&mut self, id: u64, token: &Token) -> Result<(), Error> {
        let seq = lookup::next_seq(&*self.store)?;
        let sealed = self.seal(id, seq, token)?;
        self.store.put_record(id, &sealed)?;
        self.store.put_order(seq, id)?;
        self.put_index_entries(seq, id, token)
    }

    /// Replaces the stored `old` record with `token`, keeping its id and position. A save of
    /// the token ends its refresh lease (`store/refresh.rs`): the waiters read the saved token.
    fn replace(&mut self, id: u64, old: &Record, token: &Token) -> Result<(), Error> {
        let sealed = self.seal(id, old.seq, token)?;
        self.remove_index_entries(old.seq, &old.token)?;
        self.store.put_record(id, &sealed)?;
        self.store.remove_lease(id)?;
        self.put_index_entries(old.seq, id, token)
    }

    /// `save_token`: the FileStore's update-or-insert. On success `token` holds what the caller's
    /// token holds after the SDK's call (its id, and stored fields merged into absent ones).
    pub(crate) fn save(&mut self, token: &mut Token) -> Result<SaveOutcome, Error> {
        self.save_checked(token, rules::check_insertable)
    }

    /// One row of an import: `save_token`, except that a new row is checked as a row of the
    /// FileStore's file ([`rules::check_importable`]), not as a new token.
    pub(crate) fn import_row(&mut self, token: &mut Token) -> Result<SaveOutcome, Error> {
        self.save_checked(token, rules::check_importable)
    }

    /// `save_token`, with `insertable` deciding whether a token that matched nothing is stored.
    fn save_checked(
        &mut self,
        token: &mut Token,
        insertable: fn(&Token) -> Result<(), Error>,
    ) -> Result<SaveOutcome, Error> {
        let target = rules::save_target(token)?;
        let existing = match &target {
            SaveTarget::ById(id) => lookup::load(&*self.store, &self.keys, *id)?,
            SaveTarget::ByRule(selector) => {
                lookup::first_match(&*self.store, &self.keys, selector)?
            }
        };
        let mut merged = token.clone();
        let outcome = match existing {
            Some(old) => {
                rules::merge_absent(&mut merged, &old.token);
                let id = record_id(&old)?;
                self.replace(id, &old, &merged.normalized())?;
                SaveOutcome::Updated
            }
            None => {
                insertable(token)?;
                let id = match target {
                    SaveTarget::ById(id) => id,
                    SaveTarget::ByRule(_) => rules::next_id(self.store.max_id()?)?,
                };
                merged.id = Some(id.to_string());
                self.insert(id, &merged.normalized())?;
                SaveOutcome::Inserted
            }
        };
        *token = merged;
        Ok(outcome)
    }

    /// `delete_token`.
    pub(crate) fn delete(&mut self, id: &str) -> Result<(), Error> {
        let not_found = || Error::TokenNotFound { id: id.to_string() };
        let key = rules::parse_id(id).ok_or_else(not_found)?;
        let record = lookup::load(&*self.store, &self.keys, key)?.ok_or_else(not_found)?;
        self.remove_index_entries(record.seq, &record.token)?;
        self.store.remove_order(record.seq)?;
        self.store.remove_lease(key)?;
        self.store.remove_record(key)
    }

    /// The tables, for lookups inside this transaction.
    pub(crate) fn store(&self) -> &dyn ReadTables {
        &*self.store
    }

    /// The refresh lease stored for token `id`; a damaged one reads as none (it is advice).
    pub(crate) fn lease(&self, id: u64) -> Result<Option<Lease>, Error> {
        Ok(self.store.lease(id)?.as_deref().and_then(Lease::decode))
    }

    /// Stores `lease` for token `id`, replacing any other.
    pub(crate) fn put_lease(&mut self, id: u64, lease: &Lease) -> Result<(), Error> {
        self.store.put_lease(id, &lease.encode())
    }

    /// Removes token `id`'s lease (a holder that ends it without a save).
    pub(crate) fn remove_lease(&mut self, id: u64) -> Result<(), Error> {
        self.store.remove_lease(id)
    }

    /// `delete_tokens`: every record, order entry and index entry; the header stays.
    pub(crate) fn delete_all(&mut self) -> Result<(), Error> {
        self.store.clear_tokens()
    }

    /// Re-seals every record under `new_keys` and rebuilds the indexes (data-key rotation),
    /// calling `progress(done, total)` after each record.
    pub(crate) fn reseal_all(
        &mut self,
        new_keys: Arc<Unlocked>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(), Error> {
        let records = lookup::all(&*self.store, &self.keys)?;
        let total = records.len() as u64;
        self.store.clear_indexes()?;
        self.keys = new_keys;
        self.state.seal_count = 0;
        self.seals = 0;
        for (done, record) in (1..).zip(&records) {
            let id = record_id(record)?;
            let sealed = self.seal(id, record.seq, &record.token)?;
            self.store.put_record(id, &sealed)?;
            self.put_index_entries(record.seq, id, &record.token)?;
            progress(done, total);
        }
        Ok(())
    }

    /// Switches to a new header for the same data key (a slot change).
    pub(crate) fn rekey_header(&mut self, new_keys: Arc<Unlocked>) {
        self.keys = new_keys;
    }

    /// Switches to `new_keys`: with `new_data_key` (a rotation) every record is re-sealed under
    /// them, else only the header changes.
    pub(crate) fn switch_keys(
        &mut self,
        new_keys: Arc<Unlocked>,
        new_data_key: bool,
    ) -> Result<(), Error> {
        match new_data_key {
            true => self.reseal_all(new_keys, &mut |_, _| {}),
            false => {
                self.rekey_header(new_keys);
                Ok(())
            }
        }
    }

    /// Writes the header and the advanced state; the engine then commits the transaction.
    pub(crate) fn finish(self) -> Result<Arc<Unlocked>, Error> {
        let state = State {
            generation: self.state.generation.saturating_add(1),
            seal_count: self.state.seal_count.saturating_add(self.seals),
        };
        self.store
            .put_header_entry(HeaderEntry::Header, &self.keys.header_bytes)?;
        self.store.put_header_entry(
            HeaderEntry::State,
            &state.encode(&self.keys.state_mac_key, &self.keys.header_bytes),
        )?;
        Ok(self.keys)
    }
}

fn record_id(record: &Record) -> Result<u64, Error> {
    record
        .token
        .id
        .as_deref()
        .and_then(rules::parse_id)
        .ok_or_else(|| Error::corrupted("record without a valid id"))
}
