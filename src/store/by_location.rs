//! Vaults by [`Location`]: the same operations on a file or on a server database, and copying a
//! vault between the two with its records still sealed.

use std::path::Path;

use crate::crypto::KdfParams;
use crate::error::Error;
use crate::format::State;
use crate::index::{IndexKind, Tag};
use crate::store::engine::{Engine, HeaderSlot};
use crate::store::keys::Unlocked;
use crate::store::location::Location;
use crate::store::redb_engine::RedbEngine;
use crate::store::{DEFAULT_BUSY_TIMEOUT, ImportSummary, OpenOptions, Vault, VaultInfo, now_unix};
use crate::token::Token;

impl OpenOptions {
    /// Opens the vault at `location`: a file, or a database on a MySQL/MariaDB server (with the
    /// `mysql` feature). On a server, the tables must hold a vault (`create_location` makes one).
    pub fn open_location(
        &self,
        location: &Location,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Vault, Error> {
        match (location.as_path(), location.server_url()) {
            (Some(path), _) => self.open(path, passphrase),
            (None, Some(url)) => {
                let engine = self.server_engine(url)?;
                let shown = location.shown();
                let header = read_header(&*engine, &shown)?;
                let keys = Unlocked::unlock(&header, passphrase.as_ref())?;
                Vault::unlock(engine, &shown, passphrase.as_ref(), Some(keys))
            }
            (None, None) => Err(internal_location()),
        }
    }

    /// Creates a new vault at `location`: a file that must not exist, or a server database
    /// (which must exist) without a vault in it; the tables are created as needed.
    pub fn create_location(
        &self,
        location: &Location,
        passphrase: impl AsRef<[u8]>,
        kdf: KdfParams,
    ) -> Result<Vault, Error> {
        self.create_location_with_tokens(location, passphrase, kdf, std::iter::empty())
            .map(|(vault, _)| vault)
    }

    /// Creates a new vault at `location` holding `tokens` (imported with [`Vault::import`]'s
    /// rules), in one transaction: the vault and its tokens, or nothing. Where the import fails
    /// no vault is left behind: a new file is removed, and a server database keeps its tables
    /// without a vault, so the same call can run again.
    pub fn create_location_with_tokens(
        &self,
        location: &Location,
        passphrase: impl AsRef<[u8]>,
        kdf: KdfParams,
        tokens: impl IntoIterator<Item = Token>,
    ) -> Result<(Vault, ImportSummary), Error> {
        kdf.validate()?;
        match (location.as_path(), location.server_url()) {
            (Some(path), _) => self.create_file_with(path, passphrase.as_ref(), kdf, tokens),
            (None, Some(url)) => {
                let shown = location.shown();
                // Connect before the slow key derivation: a wrong URL or password fails at once.
                let engine = self.blank_server_engine(url, &shown)?;
                let keys = Unlocked::create(passphrase.as_ref(), kdf, now_unix())?;
                Vault::initialize_with(engine, &shown, keys, tokens)
            }
            (None, None) => Err(internal_location()),
        }
    }

    #[cfg(feature = "mysql")]
    fn server_engine(&self, url: &str) -> Result<Box<dyn Engine>, Error> {
        Ok(Box::new(crate::store::mysql_engine::MySqlEngine::connect(
            url,
            self.busy_timeout,
        )?))
    }

    #[cfg(not(feature = "mysql"))]
    fn server_engine(&self, _url: &str) -> Result<Box<dyn Engine>, Error> {
        Err(Error::InvalidLocation {
            reason:
                "this build of tokenvault has no MySQL support; rebuild it with `--features mysql`"
                    .into(),
        })
    }

    /// A server engine with the vault tables in place and no vault in them.
    fn blank_server_engine(&self, url: &str, shown: &Path) -> Result<Box<dyn Engine>, Error> {
        #[cfg(feature = "mysql")]
        {
            let engine = crate::store::mysql_engine::MySqlEngine::connect(url, self.busy_timeout)?;
            engine.create_tables()?;
            if !engine.is_blank()? {
                return Err(Error::AlreadyExists {
                    path: shown.to_path_buf(),
                });
            }
            Ok(Box::new(engine))
        }
        #[cfg(not(feature = "mysql"))]
        {
            let _ = shown;
            self.server_engine(url)
        }
    }
}

fn internal_location() -> Error {
    Error::corrupted("internal: a location that is neither a file nor a server")
}

/// The header entry, or `NotAVault` where there is none (tables made by an aborted create).
fn read_header(engine: &dyn Engine, shown: &Path) -> Result<Vec<u8>, Error> {
    let mut header = None;
    engine.read(&mut |store| {
        header = store.header_entry(HeaderSlot::Header)?;
        Ok(())
    })?;
    header.ok_or_else(|| Error::NotAVault {
        path: shown.to_path_buf(),
    })
}

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
    /// Opens the vault at `location` (see [`OpenOptions::open_location`]).
    pub fn open_location(
        location: &Location,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<Vault, Error> {
        OpenOptions::default().open_location(location, passphrase)
    }

    /// Creates a vault at `location` (see [`OpenOptions::create_location`]).
    pub fn create_location(
        location: &Location,
        passphrase: impl AsRef<[u8]>,
        kdf: KdfParams,
    ) -> Result<Vault, Error> {
        OpenOptions::default().create_location(location, passphrase, kdf)
    }

    /// [`Vault::inspect`] for any location: what can be read without the passphrase. For a
    /// server, `file_size` is the size of the vault's tables as the server reports it.
    pub fn inspect_location(location: &Location) -> Result<VaultInfo, Error> {
        let Some(url) = location.server_url() else {
            return Vault::inspect(location.as_path().ok_or_else(internal_location)?);
        };
        let engine = OpenOptions::default()
            .busy_timeout(DEFAULT_BUSY_TIMEOUT)
            .server_engine(url)?;
        let shown = location.shown();
        let mut view = None;
        engine.read(&mut |store| {
            view = Some((
                store.header_entry(HeaderSlot::Header)?,
                store.header_entry(HeaderSlot::State)?,
                store.count()?,
            ));
            Ok(())
        })?;
        let (Some(header), state, records) = view.ok_or_else(internal_location)? else {
            return Err(Error::NotAVault { path: shown });
        };
        let state = state.ok_or_else(|| Error::corrupted("state missing"))?;
        VaultInfo::unauthenticated(
            &header,
            &state,
            records,
            engine.stored_bytes()?.unwrap_or(0),
        )
    }

    /// Copies this vault, as it is now, to `target`: a file that must not exist, or a server
    /// database without a vault. Records, order and index entries are copied byte for byte,
    /// still sealed (nothing is decrypted or re-encrypted), with the header and its state, so the
    /// copy opens with the same passphrase and is the same vault (same store id) on another
    /// engine. One read transaction here, one write transaction there: the copy is a consistent
    /// snapshot, and a copy that fails leaves no vault behind. Returns the number of tokens.
    pub fn copy_to(&self, target: &Location) -> Result<u64, Error> {
        let raw = self.read(|store, keys| {
            let header = store
                .header_entry(HeaderSlot::Header)?
                .ok_or_else(|| Error::corrupted("header missing"))?;
            let state = store
                .header_entry(HeaderSlot::State)?
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
        let options = OpenOptions::default();
        let (engine, file): (Box<dyn Engine>, Option<&Path>) =
            match (target.as_path(), target.server_url()) {
                (Some(path), _) => (
                    Box::new(RedbEngine::create_file(
                        path,
                        options.busy_timeout,
                        options.single_process,
                    )?),
                    Some(path),
                ),
                (None, Some(url)) => (options.blank_server_engine(url, &target.shown())?, None),
                (None, None) => return Err(internal_location()),
            };
        let written = engine.write(&mut |store| {
            store.put_header_entry(HeaderSlot::Header, &raw.header)?;
            store.put_header_entry(HeaderSlot::State, &raw.state)?;
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
            Ok(())
        });
        drop(engine);
        if let Err(e) = written {
            if let Some(path) = file {
                // Nothing was committed: do not leave a file that looks like a vault.
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
        Ok(raw.records.len() as u64)
    }
}
