//! Python exception classes, one per error a caller may want to handle on its own, and the
//! mapping from `tokenvault::Error`. Messages are the core's: they say what happened and what to
//! do, and never carry a secret.

use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};

create_exception!(
    tokenvault,
    VaultError,
    PyException,
    "Base class of every error raised by the tokenvault vault."
);
create_exception!(
    tokenvault,
    WrongPassphraseError,
    VaultError,
    "The passphrase does not unlock this vault."
);
create_exception!(
    tokenvault,
    WrongKeyFileError,
    WrongPassphraseError,
    "The key file does not unlock this vault (or the vault has no key-file slot). A subclass of \
     WrongPassphraseError: code that handles a wrong credential catches both."
);
create_exception!(
    tokenvault,
    KeyFileError,
    VaultError,
    "A key file that cannot be used: unreadable, not a regular file, not exactly 32 bytes, or (for a new vault) not random-looking."
);
create_exception!(
    tokenvault,
    VaultNotFoundError,
    VaultError,
    "No vault at the path (and create=False)."
);
create_exception!(
    tokenvault,
    VaultExistsError,
    VaultError,
    "A file already exists where a new vault was to be created."
);
create_exception!(
    tokenvault,
    NotAVaultError,
    VaultError,
    "The file is not a tokenvault vault."
);
create_exception!(
    tokenvault,
    CorruptedVaultError,
    VaultError,
    "The vault failed an integrity check: damaged, or changed without the key."
);
create_exception!(
    tokenvault,
    UnsupportedVersionError,
    VaultError,
    "The vault was written by a newer version of tokenvault."
);
create_exception!(
    tokenvault,
    VaultBusyError,
    VaultError,
    "Another process held the vault's write lock for longer than the busy timeout."
);
create_exception!(
    tokenvault,
    KeyChangedError,
    VaultError,
    "Another process changed or removed the passphrase or key slot this vault was unlocked with \
     while it was open here: open it again with a current passphrase or key file."
);
create_exception!(
    tokenvault,
    TokenNotFoundError,
    VaultError,
    "No token has the given id."
);
create_exception!(
    tokenvault,
    MissingAuthDetailsError,
    VaultError,
    "save_token of a token with an id or a user name but no access, refresh or grant token."
);
create_exception!(
    tokenvault,
    InvalidIdError,
    VaultError,
    "A token id that is not a canonical decimal number such as \"7\"."
);
create_exception!(
    tokenvault,
    InvalidTokenFileError,
    VaultError,
    "An SDK FileStore token file that cannot be read (names the line, never a value)."
);

/// Where a wrong credential's message sends the reader, as the CLI's does.
const SLOT_LIST: &str = "`tokenvault --vault PATH slot list` shows the vault's slots";

/// The Python exception for a vault error.
pub(crate) fn to_py(e: tokenvault::Error) -> PyErr {
    use tokenvault::Error as E;
    let message = e.to_string();
    match e {
        E::WrongPassphrase => WrongPassphraseError::new_err(message),
        // The core's message, and where Python's key file comes from (the CLI names its flag).
        E::WrongKeyFile => WrongKeyFileError::new_err(format!(
            "{message}; check key_file= or TOKENVAULT_KEY_FILE ({SLOT_LIST})"
        )),
        // A credential of a kind this vault has no slot for is as wrong as a wrong one.
        E::NoSlotOfKind {
            kind: "key file", ..
        } => WrongKeyFileError::new_err(format!("{message}; {SLOT_LIST}")),
        E::NoSlotOfKind { .. } => WrongPassphraseError::new_err(format!("{message}; {SLOT_LIST}")),
        E::KeyFile { .. } | E::WeakKeyFile { .. } => KeyFileError::new_err(message),
        E::VaultNotFound { .. } => VaultNotFoundError::new_err(message),
        E::AlreadyExists { .. } => VaultExistsError::new_err(message),
        E::EmptyPassphrase => VaultError::new_err(message),
        E::NotAVault { .. } => NotAVaultError::new_err(message),
        E::Corrupted { .. } => CorruptedVaultError::new_err(message),
        E::UnsupportedVersion { .. } => UnsupportedVersionError::new_err(message),
        E::Busy { .. } => VaultBusyError::new_err(message),
        E::KeyChanged => KeyChangedError::new_err(message),
        E::TokenNotFound { .. } => TokenNotFoundError::new_err(message),
        E::MissingAuthDetails => MissingAuthDetailsError::new_err(message),
        E::InvalidId { .. } => InvalidIdError::new_err(message),
        E::InvalidTokenFile { .. } => InvalidTokenFileError::new_err(message),
        E::InvalidKdfParams { .. } | E::KdfCostTooHigh { .. } | E::KdfTotalCostTooHigh { .. } => {
            PyValueError::new_err(message)
        }
        E::PassphraseCommand { .. } => {
            VaultError::new_err(format!("{message} (TOKENVAULT_PASSPHRASE_COMMAND)"))
        }
        // The core's message names its Rust option; Python's is a keyword.
        E::KdfBelowFloor {
            memory_kib,
            iterations,
            parallelism,
        } => PyValueError::new_err(format!(
            "KdfParams({memory_kib}, {iterations}, {parallelism}) is below the floor for a new \
             vault: at least 64 MiB and 64 MiB x 3 passes of Argon2id work (RFC 9106's second \
             recommendation); raise memory_kib (at least 65536) or iterations, or pass \
             insecure_kdf=True (tests and throwaway vaults only)"
        )),
        _ => VaultError::new_err(message),
    }
}
