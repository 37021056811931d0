//! # tokenvault
//!
//! An encrypted, multi-process-safe replacement for the Zoho CRM SDK's plain-text token
//! `FileStore`: one redb file, every record sealed with AES-256-GCM under a master key that key
//! slots unlock (a passphrase through Argon2id, or a key file), blind indexes on user name and
//! tokens, and the SDK's six `TokenStore` methods with the FileStore's exact semantics.
//!
//! ```
//! use tokenvault::{OpenOptions, Secret, Token};
//!
//! # fn main() -> Result<(), tokenvault::Error> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("tokens.vault");
//! // Tests use tiny KDF parameters, through an explicit opt-in; production code uses
//! // `Vault::create(&path, passphrase, KdfParams::default())` or `OpenOptions::new()`.
//! let vault = OpenOptions::insecure_for_tests().create(&path, "correct horse battery staple")?;
//!
//! let mut token = Token {
//!     user_name: Some("ann@zylker.com".into()),
//!     client_id: Some("1000.CLIENT".into()),
//!     client_secret: Some(Secret::new("client-secret")),
//!     refresh_token: Some(Secret::new("1000.refresh")),
//!     ..Token::default()
//! };
//! vault.save_token(&mut token)?;
//! assert_eq!(token.id.as_deref(), Some("1"));
//!
//! let query = Token { user_name: Some("ann@zylker.com".into()), ..Token::default() };
//! let found = vault.find_token(&query)?.expect("saved above");
//! assert_eq!(found.refresh_token.as_ref().map(Secret::expose), Some("1000.refresh"));
//! # Ok(())
//! # }
//! ```
//!
//! Every vault is opened through one seam: a [`Location`] (a file path, memory, a storage backend
//! of your own with the `storage-backend` feature, or with the `mysql` or `postgres` feature a
//! `mysql://…` or `postgres://…` URL naming a MySQL/MariaDB or PostgreSQL database that several
//! hosts share), a [`Credential`] (a passphrase or a key file), and [`OpenOptions`] with four entry
//! points: `open`, `create`, `open_or_create` and `create_with_tokens`. [`Vault::open`] and
//! [`Vault::create`] are those with default options. [`Vault::copy_to`] moves a vault between
//! engines still sealed, and `dbstore::read` reads the SDK's `DBStore` table for migration.
//!
//! The file format is specified in `docs/FORMAT.md`; the divergences from the FileStore are
//! listed in `docs/COMPAT.md`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

mod backoff;
mod blind_index;
pub mod clock;
mod credential;
mod credential_sources;
mod crypto;
#[cfg(feature = "mysql")]
pub mod dbstore;
mod engines;
mod error;
#[cfg(feature = "filestore")]
pub mod filestore;
mod format;
#[doc(hidden)]
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod lease;
mod location;
mod options;
mod renewal;
mod rules;
mod secret_bytes;
mod secret_sources;
mod store;
mod token;

pub use credential::{Credential, KEY_FILE_LEN, RecoveryKeyText};
pub use credential_sources::{
    CredentialSource, CredentialSourceError, CredentialSources, KEY_FILE_VAR, NamedPath,
    PASSPHRASE_COMMAND_VAR, PASSPHRASE_FILE_MAX, PASSPHRASE_VAR, RECOVERY_KEY_VAR, Resolution,
    passphrase_file,
};
pub use crypto::KdfParams;
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub use engines::server_url::DEFAULT_CONNECT_TIMEOUT;
pub use error::{Error, KeyFileError, SlotError, StorageError};
pub use lease::{DEFAULT_REFRESH_LEASE, MAX_REFRESH_LEASE};
pub use location::{Location, url_holds_password};
pub use options::{DEFAULT_BUSY_TIMEOUT, OpenOptions};
pub use renewal::{
    AccountsAnswer, AnswerError, DEFAULT_RENEWAL_MARGIN, MIN_RENEWAL_MARGIN, renewal_due_for,
};
pub use rules::MatchedBy;
pub use secret_bytes::{CREDENTIAL_DIGEST_LEN, CredentialDigest, SecretBytes};
pub use secret_sources::{
    PASSPHRASE_COMMAND_MAX_OUTPUT, PASSPHRASE_COMMAND_TIMEOUT, SecretFileError,
    passphrase_from_command, read_secret_file, secret_file_warning,
};
pub use store::{
    ImportSummary, RefreshLease, RefreshTurn, Renewal, RenewalSaved, RenewalTurn, SaveOutcome,
    ScheduledRenewal, SlotInfo, SlotKind, Vault, VaultInfo, VerifyReport,
};
pub use token::{Secret, Token};

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The vault format version this build reads and writes.
pub const FORMAT_VERSION: u16 = format::FORMAT_VERSION;
