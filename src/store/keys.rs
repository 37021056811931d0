//! The unlocked key material of one vault, and the operations that create or change it.

use zeroize::Zeroizing;

use crate::crypto::{self, KEY_LEN, KdfParams, Key, SALT_LEN};
use crate::error::Error;
use crate::format::{HEADER_LEN, Header, StoreId};
use crate::index::IndexKeys;

/// Labels of the keys derived from the master key (FORMAT.md §Keys). Changing one is a new format.
const RECORD_KEY_LABEL: &[u8] = b"tokenvault/v1/record";
const STATE_MAC_LABEL: &[u8] = b"tokenvault/v1/state-mac";

/// Everything an unlocked handle needs: the header it was unlocked from, the KEK (to rewrap the
/// master key on rotation without asking for the passphrase again) and the derived keys.
pub(crate) struct Unlocked {
    /// The exact header bytes these keys belong to. A transaction that finds other bytes in the
    /// file knows another process rotated the key or changed the passphrase.
    pub(crate) header_bytes: [u8; HEADER_LEN],
    pub(crate) header: Header,
    pub(crate) kek: Key,
    pub(crate) record_key: Key,
    pub(crate) state_mac_key: Key,
    pub(crate) index: IndexKeys,
}

impl Unlocked {
    pub(crate) fn store_id(&self) -> &StoreId {
        &self.header.store_id
    }

    /// Unlocks a header with a passphrase. The header was parsed (caps checked) before this runs.
    pub(crate) fn unlock(header_bytes: &[u8], passphrase: &[u8]) -> Result<Unlocked, Error> {
        let header = Header::decode(header_bytes)?;
        let kek = crypto::derive_kek(passphrase, &header.salt, &header.kdf)?;
        Unlocked::with_kek(header, kek).map_err(|e| match e {
            Error::KeyChanged => Error::WrongPassphrase,
            other => other,
        })
    }

    /// Unlocks a header with a KEK already derived (after another process rotated the data key).
    /// `KeyChanged` when the KEK does not unwrap it (the passphrase changed).
    pub(crate) fn with_kek(header: Header, kek: Key) -> Result<Unlocked, Error> {
        let master = unwrap_master(&header, &kek)?;
        Ok(Unlocked::derive(header, kek, &master))
    }

    /// A brand-new vault: random store id, salt and master key.
    pub(crate) fn create(
        passphrase: &[u8],
        kdf: KdfParams,
        created_unix: u64,
    ) -> Result<Unlocked, Error> {
        kdf.validate()?;
        let salt: [u8; SALT_LEN] = crypto::random_bytes()?;
        let kek = crypto::derive_kek(passphrase, &salt, &kdf)?;
        let master = crypto::random_key()?;
        let header = Header {
            store_id: crypto::random_bytes()?,
            created_unix,
            kdf,
            salt,
            wrapped_master_key: [0; 60],
        };
        let header = wrap_master(header, &kek, &master)?;
        Ok(Unlocked::derive(header, kek, &master))
    }

    /// The same master key under a new passphrase (fresh salt, possibly new KDF parameters).
    /// The KEK is derived by the caller, outside any transaction, because it is slow.
    pub(crate) fn rewrapped(
        &self,
        new_kek: Key,
        new_salt: [u8; SALT_LEN],
        kdf: KdfParams,
    ) -> Result<Unlocked, Error> {
        let master = unwrap_master(&self.header, &self.kek)?;
        let header = Header {
            kdf,
            salt: new_salt,
            ..self.header.clone()
        };
        let header = wrap_master(header, &new_kek, &master)?;
        Ok(Unlocked::derive(header, new_kek, &master))
    }

    /// A new random master key under the same passphrase (data-key rotation).
    pub(crate) fn rotated(&self) -> Result<Unlocked, Error> {
        let master = crypto::random_key()?;
        let header = wrap_master(self.header.clone(), &self.kek, &master)?;
        Ok(Unlocked::derive(header, self.kek.clone(), &master))
    }

    fn derive(header: Header, kek: Key, master: &Key) -> Unlocked {
        Unlocked {
            header_bytes: header.encode(),
            header,
            kek,
            record_key: crypto::derive_subkey(master, RECORD_KEY_LABEL),
            state_mac_key: crypto::derive_subkey(master, STATE_MAC_LABEL),
            index: IndexKeys::derive(master),
        }
    }
}

/// Derives a KEK for a new passphrase with a fresh salt.
pub(crate) fn new_kek(passphrase: &[u8], kdf: &KdfParams) -> Result<(Key, [u8; SALT_LEN]), Error> {
    kdf.validate()?;
    let salt: [u8; SALT_LEN] = crypto::random_bytes()?;
    Ok((crypto::derive_kek(passphrase, &salt, kdf)?, salt))
}

fn wrap_master(mut header: Header, kek: &Key, master: &Key) -> Result<Header, Error> {
    let sealed = crypto::seal(kek, &header.wrap_aad(), master.as_ref())?;
    header.wrapped_master_key.copy_from_slice(&sealed);
    Ok(header)
}

/// `KeyChanged` when the KEK does not open the wrapped key; `unlock` maps it to `WrongPassphrase`.
fn unwrap_master(header: &Header, kek: &Key) -> Result<Key, Error> {
    let plain: Zeroizing<Vec<u8>> =
        crypto::open(kek, &header.wrap_aad(), &header.wrapped_master_key)
            .map_err(|_| Error::KeyChanged)?;
    let mut master = Key::default();
    if plain.len() != KEY_LEN {
        return Err(Error::corrupted("header: wrapped key has the wrong length"));
    }
    master.copy_from_slice(&plain);
    Ok(master)
}
