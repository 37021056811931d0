//! Cryptography: the passphrase KDF, the key hierarchy, and sealing/opening with AES-256-GCM.
//!
//! Key hierarchy (FORMAT.md §Keys):
//! ```text
//! passphrase ──Argon2id(salt, params)──▶ KEK ──unwraps──▶ master key (random, 256 bits)   (format 1)
//! passphrase ──Argon2id──▶ KEK ─┐
//! key file ──BLAKE2b-MAC────▶ KEK ─┴─unwraps──▶ slot secret (X25519) ──unwraps──▶ master key (format 2)
//! master key ──BLAKE2b-MAC(label)──▶ record key, header-MAC key, one key per blind index
//! ```
//! Every key lives in a `Zeroizing` buffer and is wiped when dropped, and so is every BLAKE2b
//! MAC state keyed with one (blake2's `zeroize` feature: its hash state and buffered block).
//!
//! Split by concept: this file is the primitives (random keys, the KDFs themselves, X25519 slot
//! wraps, MACs, AEAD); `kdf_params.rs` is [`KdfParams`], the policy on Argon2's cost (default,
//! caps, floor, validation), which runs no cryptography.

mod kdf_params;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use blake2::Blake2bMac;
use blake2::digest::Mac;
use blake2::digest::consts::{U16, U32};
use zeroize::Zeroizing;

use crate::error::Error;

pub use kdf_params::KdfParams;

/// Length of every symmetric key (AES-256, BLAKE2b-MAC keys).
pub(crate) const KEY_LEN: usize = 32;
/// AES-GCM nonce length. Nonces are random, so a key is good for [`SEAL_BUDGET`] seals.
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;
/// Argon2 salt length.
pub(crate) const SALT_LEN: usize = 16;

/// How many records one data key may seal. NIST SP 800-38D §8.3 limits random-nonce GCM to
/// 2^32 invocations per key; we stop at half of that so the collision probability stays far
/// below 2^-32. Enforced in `store` against the header's seal counter.
pub(crate) const SEAL_BUDGET: u64 = 1 << 31;

/// A 256-bit key, wiped on drop.
pub(crate) type Key = Zeroizing<[u8; KEY_LEN]>;

/// Fills a fresh array from the OS's CSPRNG.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| Error::from(std::io::Error::other(e.to_string())))?;
    Ok(out)
}

/// A fresh random 256-bit key.
pub(crate) fn random_key() -> Result<Key, Error> {
    let mut key = Key::default();
    getrandom::fill(key.as_mut()).map_err(|e| Error::from(std::io::Error::other(e.to_string())))?;
    Ok(key)
}

#[cfg(test)]
thread_local! {
    /// Argon2 runs on this thread (unit tests count the derivations an unlock makes).
    pub(crate) static KDF_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Derives the key-encryption key from the passphrase.
///
/// Invariant: `params` were validated (caps included) before this runs; `validate` is called
/// here again so no caller can skip it.
pub(crate) fn derive_kek(
    passphrase: &[u8],
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
) -> Result<Key, Error> {
    params.validate()?;
    #[cfg(test)]
    KDF_RUNS.with(|runs| runs.set(runs.get() + 1));
    let argon_params = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(KEY_LEN),
    )
    .map_err(|e| Error::InvalidKdfParams {
        reason: e.to_string(),
    })?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut kek = Key::default();
    argon
        .hash_password_into(passphrase, salt, kek.as_mut())
        .map_err(|e| Error::InvalidKdfParams {
            reason: e.to_string(),
        })?;
    Ok(kek)
}

/// The key-encryption key of a key-file slot (FORMAT.md §Key slots): BLAKE2b-MAC-256 keyed with
/// the file's 32 random bytes, of a label and the slot's salt. No password KDF: the key is random,
/// so there is nothing to slow down guessing of, and an open costs microseconds.
pub(crate) fn key_file_kek(key_file: &Key, salt: &[u8; SALT_LEN]) -> Key {
    random_key_kek(key_file, b"tokenvault/v2/key-file", salt)
}

/// The key-encryption key of a recovery-key slot: as a key file's, under its own label (the
/// same 32 random bytes never open a slot of the other kind).
pub(crate) fn recovery_key_kek(recovery_key: &Key, salt: &[u8; SALT_LEN]) -> Key {
    random_key_kek(recovery_key, b"tokenvault/v2/recovery-key", salt)
}

fn random_key_kek(key: &Key, label: &[u8], salt: &[u8; SALT_LEN]) -> Key {
    mac256_key(key, &[label, salt])
}

/// The X25519 public key of a slot secret.
pub(crate) fn slot_public(secret: &Key) -> [u8; 32] {
    let secret = x25519_dalek::StaticSecret::from(**secret);
    x25519_dalek::PublicKey::from(&secret).to_bytes()
}

/// The AES key that wraps a master key to a slot: BLAKE2b-MAC-256 keyed with the X25519 shared
/// secret, of a label, the ephemeral public key and the slot's public key (as age binds both).
/// `None` when the exchange was not contributory (a low-order point: all-zero shared secret).
fn slot_wrap_key(
    shared: x25519_dalek::SharedSecret,
    ephemeral: &[u8; 32],
    public: &[u8; 32],
) -> Option<Key> {
    if !shared.was_contributory() {
        return None;
    }
    // Copied from the shared secret's own buffer (wiped when `shared` drops) into a wiped one:
    // `to_bytes()` would leave an unwiped copy on the stack.
    let mut shared_key = Key::default();
    shared_key.copy_from_slice(shared.as_bytes());
    Some(mac256_key(
        &shared_key,
        &[b"tokenvault/v2/wrap", ephemeral, public],
    ))
}

/// Wraps `master` to the slot whose public key is `public`: a fresh ephemeral X25519 key, the
/// shared secret, then AES-256-GCM with `aad`. Returns the ephemeral public key and the wrap.
pub(crate) fn wrap_to_slot(
    public: &[u8; 32],
    master: &Key,
    aad: &[u8],
) -> Result<([u8; 32], Vec<u8>), Error> {
    let ephemeral_secret = x25519_dalek::StaticSecret::from(*random_key()?);
    let ephemeral = x25519_dalek::PublicKey::from(&ephemeral_secret).to_bytes();
    let shared = ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(*public));
    let key = slot_wrap_key(shared, &ephemeral, public)
        .ok_or_else(|| Error::internal("a slot's public key is a low-order point"))?;
    Ok((ephemeral, seal(&key, aad, master.as_ref())?))
}

/// Opens a master key wrapped by [`wrap_to_slot`] with the slot's secret.
pub(crate) fn unwrap_from_slot(
    secret: &Key,
    ephemeral: &[u8; 32],
    wrapped: &[u8],
    aad: &[u8],
) -> Result<Key, OpenFailed> {
    let secret = x25519_dalek::StaticSecret::from(**secret);
    let public = x25519_dalek::PublicKey::from(&secret).to_bytes();
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(*ephemeral));
    let key = slot_wrap_key(shared, ephemeral, &public).ok_or(OpenFailed)?;
    key_from(&open(&key, aad, wrapped)?).ok_or(OpenFailed)
}

/// `bytes` as a key, when they are exactly [`KEY_LEN`] long (an opened wrapped key).
pub(crate) fn key_from(bytes: &[u8]) -> Option<Key> {
    let mut key = Key::default();
    (bytes.len() == KEY_LEN).then(|| {
        key.copy_from_slice(bytes);
        key
    })
}

/// Derives a subkey of `master` for one purpose. Distinct labels give independent keys:
/// keyed BLAKE2b is a PRF (RFC 7693 §2.5 keyed mode).
pub(crate) fn derive_subkey(master: &Key, label: &[u8]) -> Key {
    mac256_key(master, &[label])
}

/// [`mac256`] for a MAC that is itself a key: written straight into a buffer wiped on drop, so
/// no unwiped copy of the key is left behind (`finalize().into_bytes()` returns one by value).
fn mac256_key(key: &Key, parts: &[&[u8]]) -> Key {
    use blake2::digest::FixedOutput;
    let mut mac = <Blake2bMac<U32> as KeyInit>::new_from_slice(key.as_ref())
        .expect("a 32-byte key is a valid BLAKE2b key");
    for part in parts {
        Mac::update(&mut mac, part);
    }
    let mut out = Key::default();
    mac.finalize_into(<&mut blake2::digest::Output<Blake2bMac<U32>>>::from(
        &mut *out,
    ));
    out
}

/// A 256-bit MAC of `parts` (concatenated) under `key`.
pub(crate) fn mac256(key: &Key, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Blake2bMac<U32> as KeyInit>::new_from_slice(key.as_ref())
        .expect("a 32-byte key is a valid BLAKE2b key");
    for part in parts {
        Mac::update(&mut mac, part);
    }
    mac.finalize().into_bytes().into()
}

/// Whether `tag` is the 256-bit MAC of `parts` under `key`, compared in constant time (the
/// digest crate's `verify_slice`), so the comparison's timing says nothing about the tag.
pub(crate) fn mac256_matches(key: &Key, parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut mac = <Blake2bMac<U32> as KeyInit>::new_from_slice(key.as_ref())
        .expect("a 32-byte key is a valid BLAKE2b key");
    for part in parts {
        Mac::update(&mut mac, part);
    }
    mac.verify_slice(tag).is_ok()
}

/// A 128-bit keyed hash: the blind-index tag of a value.
pub(crate) fn mac128(key: &Key, value: &[u8]) -> [u8; 16] {
    let mut mac = <Blake2bMac<U16> as KeyInit>::new_from_slice(key.as_ref())
        .expect("a 32-byte key is a valid BLAKE2b key");
    Mac::update(&mut mac, value);
    mac.finalize().into_bytes().into()
}

/// An unkeyed BLAKE2b-256 digest (the header checksum, which catches damage before unlock).
pub(crate) fn checksum(data: &[u8]) -> [u8; 32] {
    use blake2::Digest;
    blake2::Blake2b256::digest(data).into()
}

/// Authentication failed: wrong key, or the data or its associated data changed.
#[derive(Debug)]
pub(crate) struct OpenFailed;

/// Seals `plaintext` under `key` with a fresh random nonce. Output: `nonce ‖ ciphertext ‖ tag`.
pub(crate) fn seal(key: &Key, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    let cipher = Aes256Gcm::new(&(**key).into());
    let nonce_bytes: [u8; NONCE_LEN] = random_bytes()?;
    let nonce = Nonce::from(nonce_bytes);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::from(std::io::Error::other("AES-GCM refused to seal")))?;
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens `nonce ‖ ciphertext ‖ tag` sealed by [`seal`]. The plaintext is returned only when the
/// tag verifies, in a buffer wiped on drop.
pub(crate) fn open(key: &Key, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenFailed> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(OpenFailed);
    }
    let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce_array: [u8; NONCE_LEN] = nonce_bytes.try_into().map_err(|_| OpenFailed)?;
    let cipher = Aes256Gcm::new(&(**key).into());
    cipher
        .decrypt(
            &Nonce::from(nonce_array),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| OpenFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_aad() {
        let key = random_key().unwrap();
        let other = random_key().unwrap();
        let sealed = seal(&key, b"ad", b"hello").unwrap();
        assert_eq!(open(&key, b"ad", &sealed).unwrap().as_slice(), b"hello");
        assert!(open(&key, b"ad2", &sealed).is_err());
        assert!(open(&other, b"ad", &sealed).is_err());
    }

    #[test]
    fn every_flipped_bit_of_a_sealed_value_is_rejected() {
        let key = random_key().unwrap();
        let sealed = seal(&key, b"ad", b"payload").unwrap();
        for i in 0..sealed.len() * 8 {
            let mut damaged = sealed.clone();
            damaged[i / 8] ^= 1 << (i % 8);
            assert!(open(&key, b"ad", &damaged).is_err(), "bit {i}");
        }
    }

    #[test]
    fn two_seals_of_the_same_plaintext_differ() {
        let key = random_key().unwrap();
        assert_ne!(
            seal(&key, b"", b"x").unwrap(),
            seal(&key, b"", b"x").unwrap()
        );
    }

    #[test]
    fn mac_states_keyed_with_a_key_are_wiped_when_dropped() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<Blake2bMac<U32>>();
        wiped_on_drop::<Blake2bMac<U16>>();
    }

    #[test]
    fn a_mac_matches_only_its_own_tag() {
        let key = random_key().unwrap();
        let tag = mac256(&key, &[b"a", b"b"]);
        assert!(mac256_matches(&key, &[b"ab"], &tag));
        for i in 0..tag.len() * 8 {
            let mut wrong = tag;
            wrong[i / 8] ^= 1 << (i % 8);
            assert!(!mac256_matches(&key, &[b"ab"], &wrong), "bit {i}");
        }
        assert!(!mac256_matches(&key, &[b"ab"], &tag[..31]));
    }

    #[test]
    fn a_master_key_wrapped_to_a_slot_opens_only_with_its_secret_and_aad() {
        let secret = random_key().unwrap();
        let other = random_key().unwrap();
        let master = random_key().unwrap();
        let (ephemeral, wrapped) = wrap_to_slot(&slot_public(&secret), &master, b"ad").unwrap();
        let opened = unwrap_from_slot(&secret, &ephemeral, &wrapped, b"ad").unwrap();
        assert_eq!(*opened, *master);
        assert!(unwrap_from_slot(&other, &ephemeral, &wrapped, b"ad").is_err());
        assert!(unwrap_from_slot(&secret, &ephemeral, &wrapped, b"ad2").is_err());
        let mut moved = ephemeral;
        moved[0] ^= 1;
        assert!(unwrap_from_slot(&secret, &moved, &wrapped, b"ad").is_err());
        // A low-order ephemeral key (all zeros) gives no shared secret: refused, not used.
        assert!(unwrap_from_slot(&secret, &[0; 32], &wrapped, b"ad").is_err());
    }

    #[test]
    fn key_file_keks_depend_on_the_file_and_the_salt() {
        let file = random_key().unwrap();
        let kek = key_file_kek(&file, &[1; SALT_LEN]);
        assert_eq!(*kek, *key_file_kek(&file, &[1; SALT_LEN]));
        assert_ne!(*kek, *key_file_kek(&file, &[2; SALT_LEN]));
        assert_ne!(*kek, *key_file_kek(&random_key().unwrap(), &[1; SALT_LEN]));
    }

    #[test]
    fn a_mac_written_straight_into_a_key_is_the_same_mac() {
        let key = random_key().unwrap();
        assert_eq!(*mac256_key(&key, &[b"a", b"bc"]), mac256(&key, &[b"abc"]));
        assert_eq!(*derive_subkey(&key, b"label"), mac256(&key, &[b"label"]));
    }

    #[test]
    fn subkeys_with_distinct_labels_differ() {
        let master = random_key().unwrap();
        assert_ne!(*derive_subkey(&master, b"a"), *derive_subkey(&master, b"b"));
        assert_eq!(*derive_subkey(&master, b"a"), *derive_subkey(&master, b"a"));
    }
}
