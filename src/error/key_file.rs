//! Why a key file cannot be used ([`Error::KeyFile`](crate::Error::KeyFile), which holds its
//! path): one variant per case, so a caller matches the case instead of parsing a message. An
//! I/O failure is kept as its kind and its text rather than as the `std::io::Error`, which is
//! neither `Clone` nor `Eq`: one failure is handed to many callers as itself.

use std::io::ErrorKind;

/// Why a key file cannot be read, or (when one is generated) written. `Display` completes the
/// sentence "key file PATH: …".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file could not be opened or read (missing, no permission, …).
    #[error("cannot be read: {detail}")]
    Unreadable {
        /// What the operating system said, as a kind to match on.
        kind: ErrorKind,
        /// What the operating system said, as text (never the file's contents).
        detail: String,
    },

    /// A FIFO, a device, a directory or a socket, refused before a byte was read (a FIFO would
    /// block, a device such as `/dev/zero` gives endless guessable bytes).
    #[error("it is {what}, not a regular file; name the file that holds the secret")]
    NotARegularFile {
        /// What it is instead, e.g. "a FIFO (named pipe)".
        what: &'static str,
    },

    /// The file does not hold exactly [`KEY_FILE_LEN`](crate::KEY_FILE_LEN) bytes.
    #[error(
        "it holds {} bytes; a key file holds exactly {expected} random bytes, as a generated one does",
        shown_length(*seen, *expected)
    )]
    WrongLength {
        /// How many bytes were read. Reading stops one byte past `expected` (a key file is never
        /// read whole into memory), so a value over `expected` means "more than `expected`".
        seen: usize,
        /// The length of a key file.
        expected: usize,
    },

    /// A key file was to be generated where a file already is: a new key file is never
    /// written over another file (or through a symlink).
    #[error("is already there; a new key file is never written over another file")]
    AlreadyExists,

    /// A new key file could not be created (a missing directory, no permission, …).
    #[error("cannot be created: {detail}")]
    CannotCreate {
        /// What the operating system said, as a kind to match on.
        kind: ErrorKind,
        /// What the operating system said, as text.
        detail: String,
    },

    /// A new key file was created but its bytes could not be written and flushed (a full disk,
    /// …); the partial file was removed.
    #[error("cannot be written: {detail}")]
    CannotWrite {
        /// What the operating system said, as a kind to match on.
        kind: ErrorKind,
        /// What the operating system said, as text.
        detail: String,
    },
}

/// The length for the message: read stops one byte past a key file's length, so more is shown
/// as "more than N" rather than a number that is not the file's size.
fn shown_length(seen: usize, expected: usize) -> String {
    match seen {
        n if n > expected => format!("more than {expected}"),
        n => n.to_string(),
    }
}
