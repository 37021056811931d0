//! Secret bytes the library hands to a caller (a passphrase a command printed or a file held, a
//! credential's digest), in types of its own: the public API names no dependency's type, so the
//! wiping crate can change without changing a caller, and `Debug` can never print the bytes.

use std::fmt;

use zeroize::Zeroizing;

/// Bytes that are a secret: wiped when dropped (the whole buffer, not only its length), never
/// shown (`Debug` prints `SecretBytes(<redacted>, N bytes)`), reachable only through
/// [`SecretBytes::expose`]. A [`Credential`](crate::Credential) is made from it without a copy
/// (`Credential::from(secret)`).
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps `bytes`. The `Vec` is moved, not copied, so no unwiped copy is left behind (one
    /// that grew before it was handed over may have left copies in freed memory: build it at its
    /// final size).
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(Zeroizing::new(bytes))
    }

    /// The bytes. Call it only where the secret must be used (a credential, a front end's own
    /// wiped buffer).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// How many bytes (the length is not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A buffer the library's own readers filled (read at its final size, so never moved).
    /// Not a `From`: the public API names no `zeroize` type.
    pub(crate) fn from_wiped(bytes: Zeroizing<Vec<u8>>) -> SecretBytes {
        SecretBytes(bytes)
    }

    /// The wiped buffer itself, for the credential it becomes (no copy).
    pub(crate) fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes::new(bytes)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted>, {} bytes)", self.0.len())
    }
}

/// The length of a [`CredentialDigest`]: a BLAKE2b-512 MAC.
pub const CREDENTIAL_DIGEST_LEN: usize = 64;

/// A credential's keyed digest ([`Credential::keyed_digest`](crate::Credential::keyed_digest)):
/// compared with `==` to tell whether two credentials are the same one. Wiped when dropped;
/// `Debug` prints `CredentialDigest(<redacted>)`. It is keyed with the caller's own key, so its
/// bytes (and the timing of a comparison) say nothing about the credential to anyone without
/// that key; still a verifier to whoever has the key, hence kept out of sight.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialDigest(Zeroizing<[u8; CREDENTIAL_DIGEST_LEN]>);

impl CredentialDigest {
    pub(crate) fn new(bytes: Zeroizing<[u8; CREDENTIAL_DIGEST_LEN]>) -> CredentialDigest {
        CredentialDigest(bytes)
    }

    /// The digest's bytes.
    pub fn expose(&self) -> &[u8; CREDENTIAL_DIGEST_LEN] {
        &self.0
    }
}

impl fmt::Debug for CredentialDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialDigest(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_bytes_only_their_number() {
        let secret = SecretBytes::new(b"hunter2-correct-horse".to_vec());
        let shown = format!("{secret:?} {secret:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        // Neither as text nor as a byte list: `[104, 117, ...]` is the default derive's.
        assert!(!shown.contains("104"), "{shown}");
        assert_eq!(format!("{secret:?}"), "SecretBytes(<redacted>, 21 bytes)");
        assert_eq!(secret.expose(), b"hunter2-correct-horse");

        let digest = CredentialDigest::new(Zeroizing::new([0xab; CREDENTIAL_DIGEST_LEN]));
        let shown = format!("{digest:?} {digest:#?}");
        assert!(!shown.contains("171"), "{shown}");
        assert_eq!(format!("{digest:?}"), "CredentialDigest(<redacted>)");
    }
}
