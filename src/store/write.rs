//! One write transaction: the open tables, the authenticated state, and the mutations that keep
//! the table invariants (see `tables.rs`) and the seal budget.
//!
//! Every operation here checks everything that depends on its input *before* its first mutation,
//! so a refused operation changes nothing even inside a batch shared with other operations.

use std::sync::Arc;

use redb::{ReadableTable, Table, WriteTransaction};

use crate::crypto::SEAL_BUDGET;
use crate::error::{Error, storage};
use crate::format::{self, Record, State};
use crate::index::IndexKind;
use crate::rules::{self, SaveTarget};
use crate::store::keys::Unlocked;
use crate::store::tables::{self, HEADER, HEADER_KEY, IndexKey, ORDER, RECORDS, STATE_KEY, Tables};
use crate::token::Token;

pub(crate) type WriteTables<'t> =
    Tables<Table<'t, u64, &'static [u8]>, Table<'t, u64, u64>, Table<'t, IndexKey, u64>>;

/// What `save_token` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveOutcome {
    /// A new token was stored.
    Inserted,
    /// A stored token was merged with the given one and replaced.
    Updated,
}

pub(crate) struct Writer<'t> {
    pub(crate) tables: WriteTables<'t>,
    header: Table<'t, &'static str, &'static [u8]>,
    pub(crate) keys: Arc<Unlocked>,
    state: State,
    seals: u64,
}

pub(crate) fn open_tables(txn: &WriteTransaction) -> Result<WriteTables<'_>, Error> {
    let [a, b, c, d] = IndexKind::ALL.map(|kind| txn.open_table(tables::index_table(kind)));
    Ok(Tables {
        records: txn.open_table(RECORDS).map_err(storage)?,
        order: txn.open_table(ORDER).map_err(storage)?,
        indexes: [
            a.map_err(storage)?,
            b.map_err(storage)?,
            c.map_err(storage)?,
            d.map_err(storage)?,
        ],
    })
}

impl<'t> Writer<'t> {
    /// Opens the tables and the header of `txn`. `keys_for` turns the header bytes found in the
    /// file into the keys to use (they differ from the cached ones after another process rotated).
    pub(crate) fn begin(
        txn: &'t WriteTransaction,
        keys_for: impl FnOnce(&[u8]) -> Result<Arc<Unlocked>, Error>,
    ) -> Result<Writer<'t>, Error> {
        let header = txn.open_table(HEADER).map_err(storage)?;
        let header_bytes = header
            .get(HEADER_KEY)
            .map_err(storage)?
            .ok_or_else(|| Error::corrupted("header missing"))?
            .value()
            .to_vec();
        let keys = keys_for(&header_bytes)?;
        let state_bytes = header
            .get(STATE_KEY)
            .map_err(storage)?
            .ok_or_else(|| Error::corrupted("header state missing"))?
            .value()
            .to_vec();
        let state = State::decode(&state_bytes, &keys.state_mac_key, &keys.header_bytes)?;
        Ok(Writer {
            tables: open_tables(txn)?,
            header,
            keys,
            state,
            seals: 0,
        })
    }

    /// Writes a fresh header and state into an empty vault.
    pub(crate) fn initialize(txn: &'t WriteTransaction, keys: Arc<Unlocked>) -> Result<(), Error> {
        let mut header = txn.open_table(HEADER).map_err(storage)?;
        let state = State {
            generation: 1,
            seal_count: 0,
        };
        header
            .insert(HEADER_KEY, keys.header_bytes.as_slice())
            .map_err(storage)?;
        header
            .insert(
                STATE_KEY,
                state
                    .encode(&keys.state_mac_key, &keys.header_bytes)
                    .as_slice(),
            )
            .map_err(storage)?;
        drop(open_tables(txn)?);
        Ok(())
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
            self.tables.indexes[kind as usize]
                .insert(tables::index_key(&tag, seq), id)
                .map_err(storage)?;
        }
        Ok(())
    }

    fn remove_index_entries(&mut self, seq: u64, token: &Token) -> Result<(), Error> {
        for (kind, tag) in self.keys.index.entries(token) {
            self.tables.indexes[kind as usize]
                .remove(tables::index_key(&tag, seq))
                .map_err(storage)?;
        }
        Ok(())
    }

    /// Stores `token` under `id` at a new position after every other record.
    fn insert(&mut self, id: u64, token: &Token) -> Result<(), Error> {
        let seq = self.tables.next_seq()?;
        let sealed = self.seal(id, seq, token)?;
        self.tables
            .records
            .insert(id, sealed.as_slice())
            .map_err(storage)?;
        self.tables.order.insert(seq, id).map_err(storage)?;
        self.put_index_entries(seq, id, token)
    }

    /// Replaces the stored `old` record with `token`, keeping its id and position.
    fn replace(&mut self, id: u64, old: &Record, token: &Token) -> Result<(), Error> {
        let sealed = self.seal(id, old.seq, token)?;
        self.remove_index_entries(old.seq, &old.token)?;
        self.tables
            .records
            .insert(id, sealed.as_slice())
            .map_err(storage)?;
        self.put_index_entries(old.seq, id, token)
    }

    /// `save_token`: the FileStore's update-or-insert. On success `token` holds what the caller's
    /// token holds after the SDK's call (its id, and stored fields merged into absent ones).
    pub(crate) fn save(&mut self, token: &mut Token) -> Result<SaveOutcome, Error> {
        let target = rules::save_target(token)?;
        let existing = match &target {
            SaveTarget::ById(id) => self.tables.load(&self.keys, *id)?,
            SaveTarget::ByRule(selector) => self.tables.first_match(&self.keys, selector)?,
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
                rules::check_insertable(token)?;
                let id = match target {
                    SaveTarget::ById(id) => id,
                    SaveTarget::ByRule(_) => rules::next_id(self.tables.max_id()?)?,
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
        let record = self.tables.load(&self.keys, key)?.ok_or_else(not_found)?;
        self.remove_index_entries(record.seq, &record.token)?;
        self.tables.order.remove(record.seq).map_err(storage)?;
        self.tables.records.remove(key).map_err(storage)?;
        Ok(())
    }

    /// `delete_tokens`: every record, order entry and index entry; the header stays.
    pub(crate) fn delete_all(&mut self) -> Result<(), Error> {
        self.tables.records.retain(|_, _| false).map_err(storage)?;
        self.tables.order.retain(|_, _| false).map_err(storage)?;
        for index in &mut self.tables.indexes {
            index.retain(|_, _| false).map_err(storage)?;
        }
        Ok(())
    }

    /// Re-seals every record under `new_keys` and rebuilds the indexes (data-key rotation).
    pub(crate) fn reseal_all(
        &mut self,
        new_keys: Arc<Unlocked>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(), Error> {
        let records = self.tables.all(&self.keys)?;
        let total = records.len() as u64;
        for index in &mut self.tables.indexes {
            index.retain(|_, _| false).map_err(storage)?;
        }
        self.keys = new_keys;
        self.state.seal_count = 0;
        self.seals = 0;
        let mut done = 0;
        for record in &records {
            let id = record_id(record)?;
            let sealed = self.seal(id, record.seq, &record.token)?;
            self.tables
                .records
                .insert(id, sealed.as_slice())
                .map_err(storage)?;
            self.put_index_entries(record.seq, id, &record.token)?;
            done += 1;
            progress(done, total);
        }
        Ok(())
    }

    /// Switches to a new header for the same data key (passphrase change).
    pub(crate) fn rekey_header(&mut self, new_keys: Arc<Unlocked>) {
        self.keys = new_keys;
    }

    /// Writes the header and the advanced state; the caller then commits the transaction.
    pub(crate) fn finish(mut self) -> Result<Arc<Unlocked>, Error> {
        self.state.generation = self.state.generation.saturating_add(1);
        self.state.seal_count = self.state.seal_count.saturating_add(self.seals);
        self.header
            .insert(HEADER_KEY, self.keys.header_bytes.as_slice())
            .map_err(storage)?;
        let state = self
            .state
            .encode(&self.keys.state_mac_key, &self.keys.header_bytes);
        self.header
            .insert(STATE_KEY, state.as_slice())
            .map_err(storage)?;
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
