//! Errors. Each variant says what happened and what to do, in the library's terms (the CLI and
//! the Python package add their own flags and variables); none carries a secret or a user name.
//! Each storage engine maps its own errors onto these (`engines/`). A bug in tokenvault is
//! [`Error::Internal`], never [`Error::Corrupted`]: damage and bugs call for different actions.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod key_file;
mod slot;

pub use key_file::KeyFileError;
pub use slot::SlotError;

/// Everything that can go wrong in a vault operation.
///
/// `Clone + Send + Sync + 'static`: one failure can be handed to every caller it concerns (the
/// writers of one group commit, the waiters of one refresh) as itself. No variant holds a
/// dependency's type: engines map their errors onto these.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The passphrase does not unlock this vault.
    #[error("wrong passphrase: it does not unlock this vault")]
    WrongPassphrase,

    /// An empty passphrase: it would protect nothing, so it neither creates nor opens a vault.
    #[error(
        "the passphrase is empty; an empty passphrase protects nothing (choose a long random one)"
    )]
    EmptyPassphrase,

    /// The file's contents failed a check: damaged, or changed by someone without the key.
    #[error("the vault is corrupted or was tampered with: {what}; restore it from a backup")]
    Corrupted {
        /// What was found, e.g. "record 7 failed authentication".
        what: String,
    },

    /// The file was written by a newer (or unknown) version of tokenvault.
    #[error(
        "unsupported vault format version {found} (this build reads version {supported}); upgrade tokenvault"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
    },

    /// The file is not a tokenvault vault (no tokenvault header).
    #[error("{location} is not a tokenvault vault")]
    NotAVault {
        /// The vault's location as shown: a file path, or a server URL without its password.
        location: String,
    },

    /// No file at the path.
    #[error("no vault at {location}; create one first, or check the location")]
    VaultNotFound {
        /// The vault's location as shown: a file path, or a server URL without its password.
        location: String,
    },

    /// `create` found a file already there.
    #[error(
        "{location} already exists; refusing to overwrite it (open it, or choose another path)"
    )]
    AlreadyExists {
        /// The vault's location as shown: a file path, or a server URL without its password.
        location: String,
    },

    /// A migration into a vault that already holds tokens
    /// ([`OpenOptions::create_or_import`](crate::OpenOptions::create_or_import) with
    /// `require_empty`). Nothing was imported.
    #[error(
        "{location} already holds {tokens} tokens; migrate into a new or empty vault (nothing was imported)"
    )]
    VaultNotEmpty {
        /// The vault's location as shown: a file path, or a server URL without its password.
        location: String,
        /// How many tokens it holds.
        tokens: u64,
    },

    /// The KDF parameters ask for more memory or time than tokenvault allows.
    #[error(
        "KDF cost over the cap (memory {memory_kib} KiB, {iterations} passes, {parallelism} lanes); the header may have been tampered with, or the parameters are too large"
    )]
    KdfCostTooHigh {
        /// Argon2 memory in KiB.
        memory_kib: u32,
        /// Argon2 passes.
        iterations: u32,
        /// Argon2 lanes.
        parallelism: u32,
    },

    /// A version-2 header whose passphrase slots together ask for more Argon2id work than a
    /// vault may: `total`, the sum of `memory_kib × iterations` over them, is over `max`
    /// (16 777 216 KiB-passes, four times the per-slot cap of [`Error::KdfCostTooHigh`]). A wrong
    /// passphrase runs every passphrase slot's derivation, so this bounds what a header can make
    /// a failed open cost. Checked, like the per-slot caps, before any key is derived; like them
    /// a refusal, not damage: the header is intact (its checksum verified).
    #[error(
        "the passphrase slots together ask for {total} KiB-passes of Argon2id, over the cap of {max} (a wrong passphrase runs them all); the header may have been tampered with, or was written with other limits"
    )]
    KdfTotalCostTooHigh {
        /// The sum over the header's passphrase slots of `memory_kib × iterations`.
        total: u64,
        /// The most a header may ask for.
        max: u64,
    },

    /// KDF parameters for a new passphrase key (a vault being created, a passphrase being
    /// changed) cheaper than RFC 9106's second recommendation (64 MiB and 64 MiB × 3 passes of
    /// Argon2id: [`KdfParams::meets_floor`](crate::KdfParams::meets_floor)), without the explicit
    /// opt-in [`OpenOptions::insecure_kdf`](crate::OpenOptions::insecure_kdf). Nothing was created
    /// or changed. An existing vault with such parameters still opens.
    #[error(
        "KDF cost below the floor (memory {memory_kib} KiB, {iterations} passes, {parallelism} lanes): a new passphrase key needs at least 64 MiB of memory and 64 MiB × 3 passes of work (RFC 9106's second recommendation); raise the memory or the passes, or allow weak parameters explicitly, for tests only (OpenOptions::insecure_kdf)"
    )]
    KdfBelowFloor {
        /// Argon2 memory in KiB.
        memory_kib: u32,
        /// Argon2 passes.
        iterations: u32,
        /// Argon2 lanes.
        parallelism: u32,
    },

    /// A passphrase command ([`passphrase_from_command`](crate::passphrase_from_command)) gave no
    /// passphrase: it could not be started, failed, printed nothing or too much, or ran past its
    /// timeout. `what` says which, with its exit status; never anything it printed.
    #[error("the passphrase command gave no passphrase: {what}")]
    PassphraseCommand {
        /// What happened (never the command's output).
        what: String,
    },

    /// The KDF parameters are below Argon2's minimums.
    #[error("invalid KDF parameters: {reason}")]
    InvalidKdfParams {
        /// Which minimum was not met.
        reason: String,
    },

    /// No token has this id (`find_token_by_id`, `delete_token`).
    #[error("no token with id {id}")]
    TokenNotFound {
        /// The id that was asked for.
        id: String,
    },

    /// `save_token` of a token with an id or a user name but no access, refresh or grant token,
    /// which matched no stored token (the SDK's "user authentication details not found").
    #[error(
        "user authentication details not found: the token has no access, refresh or grant token"
    )]
    MissingAuthDetails,

    /// A token id that is not a canonical decimal number (`0`, or digits not starting with `0`).
    #[error("invalid token id {id:?}: ids are decimal numbers such as \"7\"")]
    InvalidId {
        /// The id that was given (ids are not secret).
        id: String,
    },

    /// An SDK token file (CSV) that cannot be imported. Names the line, never a value.
    #[error("invalid token file, line {line}: {reason}")]
    InvalidTokenFile {
        /// 1-based line of the problem.
        line: u64,
        /// What is wrong (never a field's value).
        reason: String,
    },

    /// A token too large to store.
    #[error("token too large: {size} bytes encoded, the limit is {limit}")]
    TokenTooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },

    /// The data key has sealed as many records as it safely may.
    #[error(
        "the data key has reached its encryption budget; rotate the data key (Vault::rotate_data_key)"
    )]
    SealBudgetExhausted,

    /// Another process held the vault's write lock for longer than the wait allows.
    #[error(
        "the vault is busy: another process held it for {waited:?}; retry, or raise the busy timeout"
    )]
    Busy {
        /// How long this call waited.
        waited: Duration,
    },

    /// Another process changed or removed the key slot (or, in a format-1 vault, the passphrase)
    /// this handle was unlocked with, while it was open.
    #[error(
        "the passphrase or key slot this handle was unlocked with was changed or removed by another process; open the vault again with a current passphrase or key file"
    )]
    KeyChanged,

    /// The key file does not unlock any key slot of this vault.
    #[error("wrong key file: it does not unlock any key slot of this vault")]
    WrongKeyFile,

    /// The recovery key does not unlock any recovery-key slot of this vault.
    #[error("wrong recovery key: it does not unlock any key slot of this vault")]
    WrongRecoveryKey,

    /// Text that is not a recovery key (13 groups of 4 base32 letters and digits).
    #[error(
        "that is not a recovery key: one is 52 letters and digits (A-Z, 2-7), shown in 13 groups of 4"
    )]
    InvalidRecoveryKey,

    /// The vault has no key slot of the kind the credential needs (a key file given for a vault
    /// with passphrase slots only, or for a format-1 vault, which has one passphrase).
    #[error(
        "this vault has no {kind} slot; unlock it with a {other} or add a {kind} slot (slot add)"
    )]
    NoSlotOfKind {
        /// "passphrase", "key file" or "recovery key".
        kind: &'static str,
        /// What else unlocks it.
        other: &'static str,
    },

    /// A key file that cannot be used: `reason` says which case ([`KeyFileError`]: unreadable,
    /// not a regular file, not 32 bytes, or, when one is generated, already there).
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The key file's path.
        path: PathBuf,
        /// Why it cannot be used.
        reason: KeyFileError,
    },

    /// A key file for a new key slot (or a new vault) whose bytes do not look random, without
    /// the explicit opt-in [`OpenOptions::allow_weak_key_file`](crate::OpenOptions::allow_weak_key_file).
    /// A key file gets no key derivation: its 32 bytes are the key, so bytes a person typed or
    /// chose are found by an offline search at hundreds of thousands of guesses a second. Nothing
    /// was created or changed. A vault such a key file was already added to still opens with it.
    #[error(
        "the key file does not look random: {what}; a key file gets no key derivation, so one a person typed or chose can be guessed offline: use 32 bytes from a random generator (Credential::generate_key_file, or `head -c 32 /dev/urandom > FILE`), or allow it explicitly (OpenOptions::allow_weak_key_file)"
    )]
    WeakKeyFile {
        /// Why, e.g. "all 32 bytes are text characters".
        what: &'static str,
    },

    /// A key-slot change that cannot be made: `reason` says which case ([`SlotError`]: no slot
    /// of that name, a name taken or malformed, the last slot, the slot limit, a passphrase
    /// change asked of a slot without one, …). Nothing was changed.
    #[error("key slot {name:?}: {reason}")]
    Slot {
        /// The slot's name (empty when the change named none and the handle's own slot is gone).
        name: String,
        /// Why the change was refused.
        reason: SlotError,
    },

    /// The vault file is already open: in this process through another handle, or in another
    /// process that holds it alone ([`OpenOptions::single_process`](crate::OpenOptions::single_process)).
    #[error(
        "the vault is already open: in this process (share one Vault handle: it is Send + Sync), or in another process that holds it alone (single_process)"
    )]
    AlreadyOpen,

    /// A vault location that cannot be used: a malformed server URL, or a server URL given to a
    /// build without the `mysql` feature. Names parameters, never a password.
    #[error("invalid vault location: {reason}")]
    InvalidLocation {
        /// What is wrong with it.
        reason: String,
    },

    /// The database server did not answer within the connect timeout, or refused the connection.
    /// Nothing was changed.
    #[error(
        "cannot reach the database server {server}: {reason}; check that it is running and the URL's host and port"
    )]
    ServerUnreachable {
        /// The server's URL, without its password.
        server: String,
        /// What the connection attempt ran into.
        reason: String,
    },

    /// The database server refused or aborted an operation (missing privilege, connection
    /// killed or lost, server shut down). `what` says whether the transaction was rolled back or,
    /// when the connection dropped during its commit, whether its outcome is unknown.
    #[error("database server error: {what}")]
    Server {
        /// What the server said or what happened to the connection (never a password or a value).
        what: String,
    },

    /// An I/O error from the operating system (shared, so that the error can be cloned).
    #[error("I/O error: {0}")]
    Io(#[source] Arc<std::io::Error>),

    /// An error from the storage engine that is none of the above.
    #[error("storage error: {0}")]
    Storage(#[source] StorageError),

    /// A bug in tokenvault: one of its own invariants did not hold. Nothing is known to be wrong
    /// with the vault.
    #[error(
        "internal error: {what}; this is a bug in tokenvault, not damage to the vault: please report it with the tokenvault version and what you were doing"
    )]
    Internal {
        /// Which invariant failed.
        what: String,
    },
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

/// A storage engine's failure that none of [`Error`]'s other variants describes, as text: the
/// engine's own error type stays out of the public API, so a new engine version or another
/// engine changes no caller.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StorageError {
    message: String,
}

impl StorageError {
    /// A storage failure described by `message` (never a secret or a value).
    pub(crate) fn new(message: impl Into<String>) -> Self {
        StorageError {
            message: message.into(),
        }
    }
}

// One failure is handed to many callers: a compile-time check that `Error` stays shareable.
const _: fn() = || {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Error>();
};

impl Error {
    pub(crate) fn corrupted(what: impl Into<String>) -> Self {
        Error::Corrupted { what: what.into() }
    }

    pub(crate) fn internal(what: impl Into<String>) -> Self {
        Error::Internal { what: what.into() }
    }
}
