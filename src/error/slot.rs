//! Why a key-slot change was refused ([`Error::Slot`](crate::Error::Slot)): one variant per case,
//! so a caller matches the case instead of parsing a message. Every limit a message names is in
//! the variant, so this module depends on no other part of the library but [`SlotKind`].

use crate::store::SlotKind;

/// Why a key-slot change cannot be made. Nothing was changed. `Display` says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SlotError {
    /// The vault has no slot of that name.
    #[error("the vault has no slot of that name (it has: {})", existing.join(", "))]
    NotFound {
        /// The names of the slots it has, in header order (names are not secret).
        existing: Vec<String>,
    },

    /// A slot of that name is already there.
    #[error("a slot of that name is already there; remove it first, or choose another name")]
    NameTaken,

    /// A name that is empty or longer than `max` bytes.
    #[error("a slot name has 1 to {max} characters (this one has {length})")]
    NameLength {
        /// The name's length in bytes.
        length: usize,
        /// The most a name may have.
        max: usize,
    },

    /// A name with a character other than ASCII letters, digits and `. _ - @` (slot names are
    /// shown in tables and typed on command lines).
    #[error("a slot name has only ASCII letters, digits and . _ - @")]
    NameCharacters,

    /// The slot is the vault's last: a vault with no slot could never be opened.
    #[error(
        "it is the vault's last slot; add another before removing it (a vault with no slot could never be opened)"
    )]
    LastSlot,

    /// The vault already has the most slots it may have.
    #[error("the vault already has {max} slots, the most it may have")]
    TooManySlots {
        /// The most slots a vault may have.
        max: usize,
    },

    /// A passphrase change asked of a slot that has no passphrase (a key-file or recovery-key
    /// slot).
    #[error(
        "it is a {} slot, which has no passphrase to change (add a new one and remove this slot)",
        kind.as_str()
    )]
    NotAPassphraseSlot {
        /// What the slot holds instead.
        kind: SlotKind,
    },

    /// A passphrase change given another kind of credential (a key file, a recovery key).
    #[error(
        "a passphrase slot takes a passphrase, not a {given}; to unlock with a {given}, add a slot of its own"
    )]
    NewCredentialNotAPassphrase {
        /// What was given, as [`Credential::kind`](crate::Credential::kind) names it.
        given: &'static str,
    },

    /// A change to "the slot this handle was unlocked with" after another process removed
    /// that slot (the handle follows the change, and no longer knows its own slot).
    #[error("this handle's own slot was removed; name the slot to change")]
    OwnSlotRemoved,

    /// The passphrase slots together would ask a wrong passphrase for more Argon2id work than a
    /// vault may (a wrong passphrase runs every passphrase slot's derivation).
    #[error(
        "the passphrase slots together would ask for {total} KiB-passes of Argon2id, more than the {max} a vault may (a wrong passphrase runs them all); use lower --kdf settings"
    )]
    TotalWorkTooHigh {
        /// The total over the slots, in KiB-passes (memory × passes).
        total: u64,
        /// The most a vault may have.
        max: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn a_slot_error_message_names_the_slot_and_what_to_do() {
        let missing = Error::Slot {
            name: "bob".into(),
            reason: SlotError::NotFound {
                existing: vec!["passphrase".into(), "worker".into()],
            },
        };
        assert_eq!(
            missing.to_string(),
            "key slot \"bob\": the vault has no slot of that name (it has: passphrase, worker)"
        );
        let recovery = SlotError::NotAPassphraseSlot {
            kind: SlotKind::RecoveryKey,
        };
        assert!(
            recovery
                .to_string()
                .starts_with("it is a recovery-key slot")
        );
        assert!(SlotError::LastSlot.to_string().contains("last slot"));
    }
}
