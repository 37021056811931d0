//! What unlocks a vault. Today that is a passphrase; the type is where other ways in (a key
//! file, a recovery key) join, so that every entry point already takes them.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::Error;

/// What unlocks a vault: its passphrase. Every entry point takes `impl Into<Credential>`, so a
/// `&str`, `String`, byte slice or `Zeroizing` buffer can be passed as it is.
///
/// The bytes are used as given (raw bytes; a `str` as UTF-8, with no trimming or
/// normalisation), kept in a buffer that is wiped when dropped, and never shown: `Debug` prints
/// `Credential(passphrase, <hidden>)`.
#[derive(Clone)]
pub struct Credential(Kind);

#[derive(Clone)]
enum Kind {
    Passphrase(Zeroizing<Vec<u8>>),
}

impl Credential {
    /// A passphrase, as bytes.
    pub fn passphrase(bytes: impl AsRef<[u8]>) -> Credential {
        Credential(Kind::Passphrase(Zeroizing::new(bytes.as_ref().to_vec())))
    }

    /// The passphrase bytes, checked: an empty passphrase protects nothing, so it neither
    /// creates nor opens a vault.
    pub(crate) fn passphrase_bytes(&self) -> Result<&[u8], Error> {
        match &self.0 {
            Kind::Passphrase(bytes) if bytes.is_empty() => Err(Error::EmptyPassphrase),
            Kind::Passphrase(bytes) => Ok(bytes),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Passphrase(_) => f.write_str("Credential(passphrase, <hidden>)"),
        }
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

impl From<Zeroizing<Vec<u8>>> for Credential {
    fn from(passphrase: Zeroizing<Vec<u8>>) -> Credential {
        Credential(Kind::Passphrase(passphrase))
    }
}

impl From<&Zeroizing<Vec<u8>>> for Credential {
    fn from(passphrase: &Zeroizing<Vec<u8>>) -> Credential {
        Credential::passphrase(passphrase.as_slice())
    }
}

impl From<&Zeroizing<String>> for Credential {
    fn from(passphrase: &Zeroizing<String>) -> Credential {
        Credential::passphrase(passphrase.as_bytes())
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
            Credential::from("").passphrase_bytes(),
            Err(Error::EmptyPassphrase)
        ));
        assert_eq!(
            Credential::from("x").passphrase_bytes().ok(),
            Some(&b"x"[..])
        );
    }
}
