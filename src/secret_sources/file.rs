//! Secret files: a key file or passphrase file read only if it is a regular file (never
//! blocking on a FIFO or reading a device), up to a limit; and the one private-file check
//! (`others_can_access`), for secret files and vault files alike.
//!
//! Separate from `command.rs`: nothing here runs a process.

use std::path::Path;

use zeroize::Zeroizing;

use crate::secret_bytes::SecretBytes;

use super::read_into;

/// Why a file that should hold a secret was not read ([`read_secret_file`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum SecretFileError {
    /// A FIFO, a device, a directory or a socket: what it is, e.g. "a FIFO (named pipe)".
    NotARegularFile(&'static str),
    /// The file could not be opened or read.
    Io(std::io::Error),
}

impl std::error::Error for SecretFileError {}

impl std::fmt::Display for SecretFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretFileError::NotARegularFile(what) => write!(
                f,
                "it is {what}, not a regular file; name the file that holds the secret"
            ),
            SecretFileError::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

// A key file's refusals are the reader's, owned and comparable (`KeyFileError` is in `Error`,
// which is `Clone + Eq`-friendly; `std::io::Error` is neither): the I/O failure is kept as its
// kind and its text.
impl From<SecretFileError> for crate::error::KeyFileError {
    fn from(error: SecretFileError) -> Self {
        match error {
            SecretFileError::NotARegularFile(what) => {
                crate::error::KeyFileError::NotARegularFile { what }
            }
            SecretFileError::Io(e) => crate::error::KeyFileError::Unreadable {
                kind: e.kind(),
                detail: e.to_string(),
            },
        }
    }
}

/// Reads the secret in the regular file at `path`: at most `limit + 1` bytes (so a caller can
/// tell a file longer than `limit`), into a buffer wiped when dropped.
///
/// Anything but a regular file is refused before a byte is read: opening a FIFO for reading
/// blocks until a writer opens it, maybe forever, and a device such as `/dev/zero` gives
/// endless guessable bytes. So the file is opened non-blocking (which returns at once for a
/// FIFO and changes nothing for a regular file) and its type taken from the open file itself,
/// not from the path, which could be swapped in between.
pub fn read_secret_file(path: &Path, limit: usize) -> Result<SecretBytes, SecretFileError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
    }
    let mut file = options.open(path).map_err(SecretFileError::Io)?;
    let kind = file.metadata().map_err(SecretFileError::Io)?.file_type();
    if !kind.is_file() {
        return Err(SecretFileError::NotARegularFile(describe_file_type(kind)));
    }
    let mut buffer = Zeroizing::new(vec![0; limit + 1]);
    let filled = read_into(&mut file, &mut buffer).map_err(SecretFileError::Io)?;
    buffer.truncate(filled);
    Ok(SecretBytes::from_wiped(buffer))
}

/// What a file that is not a regular file is, for messages.
fn describe_file_type(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// A warning when a file that holds a secret (a passphrase file) can be read or changed by other
/// users, or `None`; `None` too where the file cannot be examined or the platform has no Unix
/// permissions. Front ends print it and go on: the file is still used.
pub fn secret_file_warning(path: &Path, what: &str) -> Option<String> {
    let mode = others_can_access(path)?;
    Some(format!(
        "{what} {} can be accessed by other users (mode {mode:03o}); anyone who can read it can unlock the vault: restrict it with `chmod 600 {}`",
        path.display(),
        path.display()
    ))
}

/// The one private-file check, for secret files and vault files alike: the file's permission
/// bits (`mode & 0o777`) when users other than its owner may read, write or run it (any of
/// `0o077`); `None` when only the owner may, when the file cannot be examined, and on platforms
/// without Unix permissions.
pub(crate) fn others_can_access(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o077 != 0).then_some(mode & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_secret_file_others_can_read_gets_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass.txt");
        std::fs::write(&path, "secret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warning = secret_file_warning(&path, "the passphrase file").unwrap();
        assert!(warning.contains("mode 644"), "{warning}");
        assert!(warning.contains("chmod 600"), "{warning}");
        assert!(!warning.contains("secret\n"), "{warning}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(secret_file_warning(&path, "the passphrase file"), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(secret_file_warning(&path, "the passphrase file"), None);
    }
}
