//! What unlocks a vault: a passphrase, or a key file (FORMAT.md §Key slots). Every entry point
//! takes a [`Credential`], so a new way in joins here and nowhere else.

use std::fmt;
use std::fs::OpenOptions as FileOptions;
use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use crate::crypto::{self, KEY_LEN, Key};
use crate::error::{Error, KeyFileError};
use crate::secret_bytes::SecretBytes;

/// What unlocks a vault: a passphrase or a key file. Every entry point takes
/// `impl Into<Credential>`, so a `&str`, `String`, byte slice or [`SecretBytes`] can be
/// passed as it is (a passphrase); a key file is [`Credential::key_file`].
///
/// Passphrase bytes are used as given (raw bytes; a `str` as UTF-8, with no trimming or
/// normalisation). Both kinds are kept in buffers wiped when dropped and are never shown:
/// `Debug` prints `Credential(passphrase, <hidden>)` or `Credential(key file, <hidden>)`.
#[derive(Clone)]
pub struct Credential(Kind);

#[derive(Clone)]
enum Kind {
    Passphrase(Zeroizing<Vec<u8>>),
    KeyFile(Key),
    RecoveryKey(Key),
}

/// A credential's secret, checked, for the code that derives keys from it.
pub(crate) enum Secret<'a> {
    Passphrase(&'a [u8]),
    KeyFile(&'a Key),
    RecoveryKey(&'a Key),
}

/// A recovery key as a person reads it: its 32 bytes in base32 (RFC 4648, no padding), in 13
/// groups of 4 letters and digits joined by `-`. Wiped when dropped; `Debug` hides it.
pub struct RecoveryKeyText(Zeroizing<String>);

impl RecoveryKeyText {
    /// The text, to show once to the person who must keep it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RecoveryKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKeyText(<hidden>)")
    }
}

/// The length of a key file: 32 random bytes, nothing else.
pub const KEY_FILE_LEN: usize = KEY_LEN;

impl Credential {
    /// A passphrase, as bytes.
    pub fn passphrase(bytes: impl AsRef<[u8]>) -> Credential {
        Credential(Kind::Passphrase(Zeroizing::new(bytes.as_ref().to_vec())))
    }

    /// The key file at `path`: exactly [`KEY_FILE_LEN`] (32) bytes, as
    /// [`Credential::generate_key_file`] writes them. Read now; [`Error::KeyFile`] when it cannot
    /// be read, is not a regular file (a FIFO, a device or a directory is refused without being
    /// read) or has another length.
    pub fn key_file(path: impl AsRef<Path>) -> Result<Credential, Error> {
        let path = path.as_ref();
        let failed = |reason: KeyFileError| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        // A FIFO or a device is refused without blocking; the bytes never sit in a buffer that
        // grows (and leaves copies behind): `read_secret_file`.
        let bytes = crate::secret_sources::read_secret_file(path, KEY_FILE_LEN)
            .map_err(|e| failed(e.into()))?;
        Credential::key_bytes(bytes.expose()).ok_or_else(|| {
            failed(KeyFileError::WrongLength {
                seen: bytes.len(),
                expected: KEY_FILE_LEN,
            })
        })
    }

    /// A key file's 32 bytes, given directly (from a secret manager, say); `None` for any other
    /// length.
    ///
    /// The bytes must be uniformly random, 32 bytes from a cryptographic random generator (as
    /// [`Credential::generate_key_file`] writes them, or `head -c 32 /dev/urandom`): a key file
    /// gets no key derivation, so its bytes are the key itself, and bytes a person typed or chose
    /// are found by an offline search at hundreds of thousands of guesses a second. A new slot or
    /// vault refuses bytes that do not look random ([`Error::WeakKeyFile`]) unless allowed
    /// explicitly ([`OpenOptions::allow_weak_key_file`](crate::OpenOptions::allow_weak_key_file));
    /// opening a vault takes them as they are.
    pub fn key_bytes(bytes: &[u8]) -> Option<Credential> {
        let mut key = Key::default();
        if bytes.len() != KEY_FILE_LEN {
            return None;
        }
        key.copy_from_slice(bytes);
        Some(Credential(Kind::KeyFile(key)))
    }

    /// Makes a new key file at `path`: 32 bytes from the OS's random generator, in a file created
    /// with mode 0600 that must not exist yet (never a file or a symlink that is there), flushed
    /// to disk. Returns it as a credential, for `init` and `slot add`.
    pub fn generate_key_file(path: impl AsRef<Path>) -> Result<Credential, Error> {
        let path = path.as_ref();
        let failed = |reason: KeyFileError| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let key = crypto::random_key()?;
        let mut options = FileOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => failed(KeyFileError::AlreadyExists),
            kind => failed(KeyFileError::CannotCreate {
                kind,
                detail: e.to_string(),
            }),
        })?;
        let written = file.write_all(key.as_ref()).and_then(|()| file.sync_all());
        if let Err(e) = written {
            drop(file);
            let _ = std::fs::remove_file(path);
            return Err(failed(KeyFileError::CannotWrite {
                kind: e.kind(),
                detail: e.to_string(),
            }));
        }
        Ok(Credential(Kind::KeyFile(key)))
    }

    /// A new recovery key: 32 bytes from the OS's random generator, and the text to show once
    /// (see [`RecoveryKeyText`]). Add it with [`Vault::add_slot`](crate::Vault::add_slot).
    pub fn generate_recovery_key() -> Result<(Credential, RecoveryKeyText), Error> {
        let key = crypto::random_key()?;
        let encoded = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(key.as_ref()));
        let mut text = Zeroizing::new(String::with_capacity(encoded.len() + encoded.len() / 4));
        for (i, c) in encoded.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                text.push('-');
            }
            text.push(c);
        }
        Ok((Credential(Kind::RecoveryKey(key)), RecoveryKeyText(text)))
    }

    /// A recovery key typed back from its text: case, spaces, line ends and `-` do not matter.
    /// [`Error::InvalidRecoveryKey`] for text that is not 32 bytes of base32.
    pub fn recovery_key(text: &str) -> Result<Credential, Error> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let decoded = data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| Error::InvalidRecoveryKey)?;
        let mut key = Key::default();
        if decoded.len() != key.len() {
            return Err(Error::InvalidRecoveryKey);
        }
        key.copy_from_slice(&decoded);
        Ok(Credential(Kind::RecoveryKey(key)))
    }

    /// Why a key file's bytes do not look random, or `None` (for any other credential too): a
    /// new slot refuses such a key file unless allowed explicitly
    /// ([`OpenOptions::allow_weak_key_file`](crate::OpenOptions::allow_weak_key_file)).
    ///
    /// Two signs of bytes a person typed or chose, each all but impossible for 32 random bytes,
    /// so a random key file is never refused (together, a chance below 1e-13):
    /// - every byte is text: printable ASCII (0x20..=0x7e), tab, CR or LF, as in a key typed into
    ///   an editor, a hex or base64 string, or `printf '%-32s' 'Summer2024!'`. Chance for random
    ///   bytes: (98/256)^32 ≈ 4.5e-14;
    /// - fewer than 16 distinct values among the 32 bytes (`[0; 32]`, a short pattern repeated).
    ///   Random bytes have about 30; 15 or fewer has a chance of about 3.2e-17 (the sum over
    ///   k ≤ 15 of C(256, k) · k! · S(32, k) / 256^32, S the Stirling numbers of the second kind).
    ///
    /// Random-looking bytes can still be guessable (a hash of a password): the check catches the
    /// common mistakes, it does not prove randomness.
    pub fn weak_key_file(&self) -> Option<&'static str> {
        let Kind::KeyFile(key) = &self.0 else {
            return None;
        };
        let text = |b: &u8| matches!(b, 0x20..=0x7e | b'\t' | b'\r' | b'\n');
        if key.iter().all(text) {
            return Some(
                "all of its 32 bytes are text characters, as in a key typed or pasted by a person",
            );
        }
        let mut seen = [false; 256];
        for &b in key.iter() {
            seen[usize::from(b)] = true;
        }
        if seen.iter().filter(|&&s| s).count() < 16 {
            return Some(
                "its 32 bytes have fewer than 16 distinct values (random ones have about 30)",
            );
        }
        None
    }

    /// Which kind of credential this is, for messages: "passphrase", "key file" or "recovery
    /// key".
    pub fn kind(&self) -> &'static str {
        match &self.0 {
            Kind::Passphrase(_) => "passphrase",
            Kind::KeyFile(_) => "key file",
            Kind::RecoveryKey(_) => "recovery key",
        }
    }

    /// The secret, checked: an empty passphrase protects nothing, so it neither creates nor
    /// opens a vault.
    pub(crate) fn secret(&self) -> Result<Secret<'_>, Error> {
        match &self.0 {
            Kind::Passphrase(bytes) if bytes.is_empty() => Err(Error::EmptyPassphrase),
            Kind::Passphrase(bytes) => Ok(Secret::Passphrase(bytes)),
            Kind::KeyFile(key) => Ok(Secret::KeyFile(key)),
            Kind::RecoveryKey(key) => Ok(Secret::RecoveryKey(key)),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}, <hidden>)", self.kind())
    }
}

macro_rules! passphrase_from {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Credential {
            fn from(passphrase: $t) -> Credential {
                Credential::passphrase(passphrase)
            }
        }
    )*};
}

passphrase_from!(&str, String, &String, &[u8], Vec<u8>, &Vec<u8>,);

// Moved, not copied: the passphrase stays in the one wiped buffer it was read into.
impl From<SecretBytes> for Credential {
    fn from(passphrase: SecretBytes) -> Credential {
        Credential(Kind::Passphrase(passphrase.into_inner()))
    }
}

impl From<&SecretBytes> for Credential {
    fn from(passphrase: &SecretBytes) -> Credential {
        Credential::passphrase(passphrase.expose())
    }
}

impl<const N: usize> From<&[u8; N]> for Credential {
    fn from(passphrase: &[u8; N]) -> Credential {
        Credential::passphrase(passphrase)
    }
}

impl From<&Credential> for Credential {
    fn from(credential: &Credential) -> Credential {
        credential.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_never_shows_its_bytes() {
        let shown = format!("{:?}", Credential::from("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn an_empty_passphrase_is_refused() {
        assert!(matches!(
            Credential::from("").secret(),
            Err(Error::EmptyPassphrase)
        ));
        assert!(matches!(
            Credential::from("x").secret(),
            Ok(Secret::Passphrase(b"x"))
        ));
    }

    #[test]
    fn a_generated_key_file_is_32_private_bytes_and_is_never_written_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worker.key");
        let made = Credential::generate_key_file(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), KEY_FILE_LEN);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let read = Credential::key_file(&path).unwrap();
        match (made.secret().unwrap(), read.secret().unwrap()) {
            (Secret::KeyFile(a), Secret::KeyFile(b)) => assert_eq!(**a, **b),
            _ => panic!("not key files"),
        }
        assert!(matches!(
            Credential::generate_key_file(&path),
            Err(Error::KeyFile {
                reason: KeyFileError::AlreadyExists,
                ..
            })
        ));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "the first file is untouched"
        );
        let shown = format!("{read:?}");
        assert_eq!(shown, "Credential(key file, <hidden>)");
    }

    #[test]
    fn a_recovery_key_reads_back_from_its_text_however_it_is_typed() {
        let (made, text) = Credential::generate_recovery_key().unwrap();
        let shown = text.expose().to_string();
        assert_eq!(shown.len(), 52 + 12, "{shown}");
        assert_eq!(shown.split('-').count(), 13);
        let key_of = |c: &Credential| match c.secret().unwrap() {
            Secret::RecoveryKey(key) => **key,
            _ => panic!("not a recovery key"),
        };
        for typed in [
            shown.clone(),
            shown.to_lowercase(),
            shown.replace('-', " "),
            format!("  {}\n", shown.replace('-', "")),
        ] {
            assert_eq!(
                key_of(&Credential::recovery_key(&typed).unwrap()),
                key_of(&made)
            );
        }
        for bad in [
            "",
            "ABCD",
            &shown[..shown.len() - 1],
            &format!("{shown}A"),
            "1111-1111",
        ] {
            assert!(
                matches!(
                    Credential::recovery_key(bad),
                    Err(Error::InvalidRecoveryKey)
                ),
                "{bad:?}"
            );
        }
        assert!(!format!("{text:?}{made:?}").contains(&shown[..4]));
    }

    /// FORMAT.md §Credentials: strict RFC 4648 base32 — no padding, the 4 spare bits zero — after
    /// removing `-` and Unicode White_Space only and upper-casing ASCII letters only.
    #[test]
    fn a_recovery_key_is_strict_base32_and_only_white_space_and_dashes_are_ignored() {
        let text = "AAAQ-EAYE-AUDA-OCAJ-BIFQ-YDIO-B4IB-CEQT-CQKR-MFYY-DENB-WHA5-DYPQ";
        let key_of = |text: &str| match Credential::recovery_key(text).map(|c| c.0) {
            Ok(Kind::RecoveryKey(key)) => Some(*key),
            _ => None,
        };
        let expected: [u8; 32] = std::array::from_fn(|i| i as u8);
        let bare = text.replace('-', "");
        for typed in [
            text.to_string(),
            bare.to_lowercase(),
            text.replace('-', "\u{a0}"),
            text.replace('-', "\u{3000}"),
            format!("\t{}\r\n", text.replace('-', "\u{2028}")),
        ] {
            assert_eq!(key_of(&typed), Some(expected), "{typed:?}");
        }
        let refused = [
            // A spare bit set: `R` is `Q` + 1, the same 256 bits with the lowest spare bit on.
            format!("{}R", &bare[..51]),
            format!("{}B", &bare[..51]),
            format!("{bare}===="),
            text.replace('-', "\u{1f}"),
            text.replace('-', "\u{200b}"),
            text.replace('-', "\u{2013}"),
            text.replace('-', "_"),
            bare.replace('Q', "q\u{307}"),
        ];
        for typed in refused {
            assert!(
                matches!(
                    Credential::recovery_key(&typed),
                    Err(Error::InvalidRecoveryKey)
                ),
                "{typed:?}"
            );
        }
        // The spare bits are zero in every key this build makes: the text ends in A or Q.
        for _ in 0..64 {
            let (_, text) = Credential::generate_recovery_key().unwrap();
            assert!(text.expose().ends_with(['A', 'Q']), "{}", text.expose());
        }
    }

    /// Runs `f` on a thread of its own and fails when it has not returned within a generous
    /// bound, so a read that blocks fails the test instead of hanging the suite.
    fn returns_in_time<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = sender.send(f());
        });
        receiver
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("still blocked after 30 s")
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_that_is_a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("key.fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        // No writer ever opens the FIFO: a blocking open or read would wait forever.
        let e = returns_in_time(move || Credential::key_file(&fifo).map(drop)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::KeyFile {
                    reason: KeyFileError::NotARegularFile {
                        what: "a FIFO (named pipe)"
                    },
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_that_is_a_directory_or_a_device_is_refused_as_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = vec![dir.path().to_path_buf()];
        // /dev/zero would give 32 zero bytes, a "key" anyone can guess.
        if Path::new("/dev/zero").exists() {
            paths.push("/dev/zero".into());
        }
        for path in paths {
            let e = returns_in_time(move || Credential::key_file(&path).map(drop)).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::KeyFile {
                        reason: KeyFileError::NotARegularFile { .. },
                        ..
                    }
                ),
                "{e}"
            );
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }

    #[test]
    fn typed_text_or_few_distinct_bytes_do_not_look_random_and_random_bytes_do() {
        // `printf '%-32s' 'Summer2024!' > weak.key`, the key file of the report.
        let typed = format!("{:<32}", "Summer2024!");
        let few: Vec<u8> = (0..32u8).map(|i| 0x80 + (i % 15) * 8).collect();
        let weak: [&[u8]; 5] = [
            typed.as_bytes(),
            b"0123456789abcdef0123456789abcdef",
            b"correct horse battery staple!!\r\n",
            &[0; 32],
            // 15 distinct values, none of them text: the most that is refused.
            &few,
        ];
        for bytes in weak {
            let credential = Credential::key_bytes(bytes).unwrap();
            assert!(credential.weak_key_file().is_some(), "{bytes:?}");
        }
        // 16 distinct values, one of them not text: the least that passes.
        let edge: Vec<u8> = (0..32u8).map(|i| (i % 16) * 16).collect();
        assert!(
            Credential::key_bytes(&edge)
                .unwrap()
                .weak_key_file()
                .is_none()
        );
        for _ in 0..1000 {
            let key = crypto::random_key().unwrap();
            let credential = Credential::key_bytes(key.as_ref()).unwrap();
            assert!(credential.weak_key_file().is_none());
        }
        let passphrase = Credential::passphrase("Summer2024!");
        assert!(passphrase.weak_key_file().is_none(), "not a key file");
    }

    #[test]
    fn a_key_file_of_any_other_length_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (len, shown) in [
            (0, "0"),
            (31, "31"),
            (33, "more than 32"),
            (64, "more than 32"),
        ] {
            let path = dir.path().join(format!("k{len}"));
            std::fs::write(&path, vec![7u8; len]).unwrap();
            let e = Credential::key_file(&path).map(drop).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::KeyFile {
                        reason: KeyFileError::WrongLength {
                            seen: ..=33,
                            expected: KEY_FILE_LEN
                        },
                        ..
                    }
                ),
                "{len}: {e}"
            );
            // The message Python's tests and the CLI's users read.
            assert!(
                e.to_string().contains(&format!("it holds {shown} bytes")),
                "{e}"
            );
        }
        let e = Credential::key_file(dir.path().join("missing"))
            .map(drop)
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::KeyFile {
                    reason: KeyFileError::Unreadable {
                        kind: std::io::ErrorKind::NotFound,
                        ..
                    },
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("cannot be read"), "{e}");
    }
}
