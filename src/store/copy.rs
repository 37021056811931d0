//! Copying a vault to another location with its records still sealed.

use crate::blind_index::{IndexKind, Tag};
use crate::engines::{self, Access, HeaderEntry, guarded};
use crate::error::Error;
use crate::format::State;
use crate::location::Location;
use crate::options::OpenOptions;
use crate::store::Vault;

/// `(tag, seq, id)` entries of one index.
type IndexEntries = Vec<(Tag, u64, u64)>;

/// Everything a vault stores, as stored.
#[derive(Default)]
struct RawVault {
    header: Vec<u8>,
    state: Vec<u8>,
    records: Vec<(u64, Vec<u8>)>,
    order: Vec<(u64, u64)>,
    indexes: Vec<(IndexKind, IndexEntries)>,
}

impl Vault {
    /// Copies this vault, as it is now, to `target`: a file that must not exist, or a server
    /// database without a vault. Records, order and index entries are copied byte for byte,
    /// still sealed (nothing is decrypted or re-encrypted), with the header and its state, so the
    /// copy opens with the same passphrase and is the same vault (same store id) on another
    /// engine. One read transaction here, one write transaction there: the copy is a consistent
    /// snapshot, and a copy that fails leaves no vault behind. Returns the number of tokens.
    pub fn copy_to(&self, target: &Location) -> Result<u64, Error> {
        let raw = self.read(|store, keys| {
            let header = store
                .header_entry(HeaderEntry::Header)?
                .ok_or_else(|| Error::corrupted("header missing"))?;
            let state = store
                .header_entry(HeaderEntry::State)?
                .ok_or_else(|| Error::corrupted("state missing"))?;
            // Copy only what this handle can vouch for.
            State::decode(&state, &keys.state_mac_key, &keys.header_bytes)?;
            let mut raw = RawVault {
                header,
                state,
                order: store.order()?,
                ..RawVault::default()
            };
            store.each_record(&mut |id, sealed| {
                raw.records.push((id, sealed.to_vec()));
                Ok(())
            })?;
            for kind in IndexKind::ALL {
                raw.indexes.push((kind, store.index_entries(kind)?));
            }
            Ok(raw)
        })?;
        let engine = engines::connect(target, &OpenOptions::default(), Access::Create)?;
        let copied = engine
            .create_tables()
            .and_then(|()| engine.is_blank())
            .and_then(|blank| match blank {
                true => Ok(()),
                false => Err(Error::AlreadyExists {
                    location: target.shown().display().to_string(),
                }),
            })
            .and_then(|()| {
                guarded("copying", || {
                    let mut txn = engine.begin_write()?;
                    {
                        let mut store = txn.store()?;
                        // Checked inside the transaction, as a create does.
                        if store.header_entry(HeaderEntry::Header)?.is_some() {
                            return Err(Error::AlreadyExists {
                                location: target.shown().display().to_string(),
                            });
                        }
                        store.put_header_entry(HeaderEntry::Header, &raw.header)?;
                        store.put_header_entry(HeaderEntry::State, &raw.state)?;
                        for (id, sealed) in &raw.records {
                            store.put_record(*id, sealed)?;
                        }
                        for (seq, id) in &raw.order {
                            store.put_order(*seq, *id)?;
                        }
                        for (kind, entries) in &raw.indexes {
                            for (tag, seq, id) in entries {
                                store.put_index(*kind, tag, *seq, *id)?;
                            }
                        }
                    }
                    txn.commit()
                })
            });
        match copied {
            Ok(()) => Ok(raw.records.len() as u64),
            Err(e) => {
                // Nothing was committed: do not leave a file that looks like a vault.
                engine.discard_new();
                Err(e)
            }
        }
    }
}
