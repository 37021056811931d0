//! The unlocked key material of one vault, and the operations that create or change it: unlock
//! with a credential, make and change key slots, rotate the master key, upgrade a format-1
//! header (FORMAT.md §Keys, §Key slots).
//!
//! Every function here is pure key work on a header and returns a new [`Unlocked`]; writing it
//! is the transaction's job (`write.rs`), and Argon2 runs before any transaction begins
//! ([`prepare_slot`]), never inside one.
//!
//! Split by concept: this file is the key material itself (what an unlocked handle holds, the
//! labels, the keys derived from the master key); `unlock.rs` opens a header with a credential
//! or with what a handle holds (and opens a slot's sealed values); `change.rs` makes new key
//! material: new slots, a new vault, slot changes, rotation, the format-1 upgrade.

mod change;
#[cfg(test)]
mod tests;
mod unlock;

use crate::blind_index::IndexKeys;
use crate::crypto::{self, KdfParams, Key, SALT_LEN};
use crate::format::{Header, StoreId};

pub(crate) use change::{PreparedSlot, check_new_kdf, prepare_slot};

/// Labels of the keys derived from the master key (FORMAT.md §Keys). Changing one is a new format.
const RECORD_KEY_LABEL: &[u8] = b"tokenvault/v1/record";
const STATE_MAC_LABEL: &[u8] = b"tokenvault/v1/state-mac";
const SLOT_PUBLIC_KEY_LABEL: &[u8] = b"tokenvault/v2/slot-public";
/// Labels that start the associated data of a slot's three sealed values (FORMAT.md §Key slots).
const SECRET_AAD: &[u8] = b"tokenvault/v2/slot-secret";
const MASTER_AAD: &[u8] = b"tokenvault/v2/slot-master";
const PUBLIC_AAD: &[u8] = b"tokenvault/v2/slot-public";

/// The name a format-1 vault's one passphrase gets as a slot (when listed, and on upgrade).
pub(crate) const V1_SLOT_NAME: &str = "passphrase";

/// Everything an unlocked handle needs: the header it was unlocked from, the master key (to
/// change slots and rotate) and the keys derived from it, and what it was unlocked with (to
/// follow another process's change of the header).
pub(crate) struct Unlocked {
    /// The exact header bytes these keys belong to. A transaction that finds other bytes in the
    /// store knows another process changed the header.
    pub(crate) header_bytes: Vec<u8>,
    pub(crate) header: Header,
    master: Key,
    held: Held,
    pub(crate) record_key: Key,
    pub(crate) state_mac_key: Key,
    pub(crate) index: IndexKeys,
}

/// What a handle was unlocked with, kept so it can follow a header that another process changed
/// (a rotation, an upgrade, a slot added) without asking for the credential again.
#[derive(Clone, Default)]
struct Held {
    /// The name of the slot it unlocked (format 1: [`V1_SLOT_NAME`]).
    slot: Option<String>,
    /// That slot's X25519 secret (format 2).
    slot_secret: Option<Key>,
    /// A format-1 passphrase's KEK, with the parameters and salt it was derived with: after an
    /// upgrade the passphrase slot keeps both, so the KEK still opens it.
    v1_kek: Option<(KdfParams, [u8; SALT_LEN], Key)>,
}

impl Unlocked {
    pub(crate) fn store_id(&self) -> &StoreId {
        self.header.store_id()
    }

    /// The name of the slot this handle unlocked (format 1: `passphrase`).
    pub(crate) fn unlocked_slot(&self) -> Option<&str> {
        self.held.slot.as_deref()
    }
    fn derive(header: Header, master: Key, held: Held) -> Unlocked {
        Unlocked {
            header_bytes: header.encode(),
            header,
            record_key: crypto::derive_subkey(&master, RECORD_KEY_LABEL),
            state_mac_key: crypto::derive_subkey(&master, STATE_MAC_LABEL),
            index: IndexKeys::derive(&master),
            master,
            held,
        }
    }
}
