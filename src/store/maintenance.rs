//! Operations on the vault as a whole: inspection, verification, passphrase change, data-key
//! rotation, compaction and bulk import.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::blind_index::{IndexKind, Tag};
use crate::engines::HeaderEntry;
use crate::error::Error;
use crate::format::{self, Header, State};
use crate::store::Vault;
use crate::store::keys::Unlocked;
use crate::store::refresh::RefreshLease;
use crate::store::slots::SlotInfo;
use crate::store::write::{SaveOutcome, Writer};
use crate::token::Token;

/// What can be read from a vault without its passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VaultInfo {
    /// Format version of the file: 1 (one passphrase) or 2 (key slots).
    pub format_version: u16,
    /// Random identifier of this vault, hex-encoded.
    pub store_id: String,
    /// The key slots (format 1: its one passphrase, as the slot `passphrase`).
    pub slots: Vec<SlotInfo>,
    /// Creation time, seconds since the Unix epoch.
    pub created_unix: u64,
    /// Committed write transactions (not authenticated without the passphrase).
    pub generation: u64,
    /// Records sealed under the current data key (not authenticated without the passphrase).
    pub seal_count: u64,
    /// Stored tokens.
    pub token_count: u64,
    /// File size in bytes.
    pub file_size: u64,
    /// The refresh leases that stand now (`Vault::find_token_coordinated`), by token id.
    pub refresh_leases: Vec<RefreshLease>,
}

/// The result of [`Vault::verify`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Records that decrypted and decoded.
    pub records_ok: u64,
    /// Index entries checked.
    pub index_entries: u64,
    /// Every problem found, one sentence each (ids and positions only, never a value).
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What [`Vault::import`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportSummary {
    /// Tokens stored under a new id.
    pub inserted: u64,
    /// Tokens that replaced a stored one with the same id (or the same user, token…).
    pub updated: u64,
    /// `(position in the input, reason)` of each row the FileStore could not have written.
    pub skipped: Vec<(usize, String)>,
}

/// The rows of an import, in one write transaction (see [`Vault::import`]).
pub(crate) fn import_rows(
    w: &mut Writer<'_>,
    tokens: impl IntoIterator<Item = Token>,
) -> Result<ImportSummary, Error> {
    let mut summary = ImportSummary::default();
    for (position, mut token) in tokens.into_iter().enumerate() {
        match w.import_row(&mut token) {
            Ok(SaveOutcome::Inserted) => summary.inserted += 1,
            Ok(SaveOutcome::Updated) => summary.updated += 1,
            Err(e @ Error::MissingAuthDetails) => summary.skipped.push((position, e.to_string())),
            Err(e) => return Err(e),
        }
    }
    Ok(summary)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl VaultInfo {
    /// What the header and state bytes say, without a key (nothing here is authenticated).
    pub(crate) fn unauthenticated(
        header: &[u8],
        state: &[u8],
        token_count: u64,
        file_size: u64,
        refresh_leases: Vec<RefreshLease>,
    ) -> Result<VaultInfo, Error> {
        let header = Header::decode(header)?;
        let state = State::decode_unverified(state)?;
        Ok(VaultInfo {
            format_version: header.version(),
            store_id: hex(header.store_id()),
            slots: SlotInfo::of(&header),
            created_unix: header.created_unix(),
            generation: state.generation,
            seal_count: state.seal_count,
            token_count,
            file_size,
            refresh_leases,
        })
    }
}

impl Vault {
    /// [`Vault::inspect`] for this open vault, with the counters authenticated.
    pub fn info(&self) -> Result<VaultInfo, Error> {
        let state = self.verify_state()?;
        let keys = self.cached_keys();
        Ok(VaultInfo {
            format_version: keys.header.version(),
            store_id: hex(keys.store_id()),
            slots: SlotInfo::of(&keys.header),
            created_unix: keys.header.created_unix(),
            generation: state.generation,
            seal_count: state.seal_count,
            token_count: self.len()?,
            file_size: self.engine.stored_bytes()?,
            refresh_leases: self.refresh_leases()?,
        })
    }

    /// Reads and authenticates the header state.
    pub(crate) fn verify_state(&self) -> Result<State, Error> {
        self.read(|store, keys| {
            let state = store
                .header_entry(HeaderEntry::State)?
                .ok_or_else(|| Error::corrupted("header state missing"))?;
            State::decode(&state, &keys.state_mac_key, &keys.header_bytes)
        })
    }

    /// Decrypts every record and checks every order and index entry both ways: each record is
    /// reachable from `order` and from each index its fields belong in, and every entry points
    /// at a record that agrees with it. A file's pages are checked too (redb's integrity check,
    /// on a copy in memory: the file is neither written nor synced). Problems are collected, not
    /// raised.
    pub fn verify(&self) -> Result<VerifyReport, Error> {
        let mut report = VerifyReport::default();
        if let Err(e) = self.verify_state() {
            report.problems.push(format!("header state: {e}"));
        }
        report.problems.extend(self.cached_keys().check_slots());
        report.problems.extend(self.engine.storage_problems()?);
        self.read(|store, keys| {
            let mut expected: BTreeSet<(usize, Tag, u64, u64)> = BTreeSet::new();
            let mut positions: BTreeSet<(u64, u64)> = BTreeSet::new();
            store.each_record(&mut |id, sealed| {
                match format::open_record(&keys.record_key, keys.store_id(), id, sealed) {
                    Ok(record) => {
                        report.records_ok += 1;
                        positions.insert((record.seq, id));
                        for (kind, tag) in keys.index.entries(&record.token) {
                            expected.insert((kind as usize, tag, record.seq, id));
                        }
                    }
                    Err(e) => report.problems.push(e.to_string()),
                }
                Ok(())
            })?;
            let listed: BTreeSet<(u64, u64)> = store.order()?.into_iter().collect();
            for (seq, id) in positions.difference(&listed) {
                report.problems.push(format!(
                    "record {id} (position {seq}) is missing from the order table"
                ));
            }
            for (seq, id) in listed.difference(&positions) {
                report.problems.push(format!(
                    "order entry {seq} names record {id}, which does not agree"
                ));
            }
            let mut found = BTreeSet::new();
            for kind in IndexKind::ALL {
                for (tag, seq, id) in store.index_entries(kind)? {
                    report.index_entries += 1;
                    found.insert((kind as usize, tag, seq, id));
                }
            }
            for (kind, _, _, id) in expected.difference(&found) {
                report.problems.push(format!(
                    "record {id} is missing from {}",
                    IndexKind::ALL[*kind].table_name()
                ));
            }
            for (kind, _, _, id) in found.difference(&expected) {
                report.problems.push(format!(
                    "{} has an entry for record {id} that does not match it",
                    IndexKind::ALL[*kind].table_name()
                ));
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Rotates the data key: a new random master key, every record re-sealed and every index
    /// rebuilt, in one write transaction. Resets the seal counter. In a format-2 vault the new
    /// key is wrapped to every key slot, without their credentials (FORMAT.md §Key slots). Other
    /// processes with the vault open pick the new key up from the header on their next operation.
    pub fn rotate_data_key(&self) -> Result<(), Error> {
        self.rotate_data_key_with_progress(|_, _| {})
    }

    /// [`Vault::rotate_data_key`], calling `progress(done, total)` after each record is re-sealed
    /// (inside the transaction, so `done == total` comes before the commit).
    pub fn rotate_data_key_with_progress(
        &self,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<(), Error> {
        self.write_exclusive(|w| {
            let rotated: Arc<Unlocked> = Arc::new(w.keys.rotated()?);
            w.reseal_all(rotated, &mut progress)
        })
    }

    /// Saves every token in one transaction, in order, with `save_token`'s rules (ids kept):
    /// all or nothing. A row the FileStore could not have written (a user name without any access,
    /// refresh or grant token) is skipped and reported; any other error aborts the whole import.
    /// A row with an id but no user name and no OAuth token is kept: the FileStore stores such a
    /// token and gives it that id.
    ///
    /// Tokens are pulled from `tokens` one at a time inside the write transaction, so an
    /// iterator adapter can report progress (the CLI's progress bar does).
    pub fn import(&self, tokens: impl IntoIterator<Item = Token>) -> Result<ImportSummary, Error> {
        self.write_exclusive(|w| import_rows(w, tokens))
    }

    /// [`Vault::import`] into a vault that holds no token: checked in the import's own
    /// transaction, so a token saved meanwhile by another process is seen. A vault with tokens is
    /// [`Error::VaultNotEmpty`], and nothing is imported.
    pub fn import_into_empty(
        &self,
        tokens: impl IntoIterator<Item = Token>,
    ) -> Result<ImportSummary, Error> {
        self.write_exclusive(|w| {
            let stored = w.stored_count()?;
            if stored > 0 {
                return Err(Error::VaultNotEmpty {
                    location: self.path.display().to_string(),
                    tokens: stored,
                });
            }
            import_rows(w, tokens)
        })
    }

    /// Rewrites the file to drop free pages (and the old ciphertext they held). Needs exclusive
    /// use of the handle.
    pub fn compact(&mut self) -> Result<bool, Error> {
        self.engine.compact()
    }
}
