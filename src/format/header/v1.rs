//! Format version 1 (FORMAT.md §Header, version 1): one passphrase, its KDF parameters and the
//! master key wrapped under its KEK, in 155 fixed bytes. Read (and upgraded), never written by a
//! new vault.
//!
//! Separate from `v2.rs`: a fixed layout of offsets, with no slots; its first 34 bytes (magic,
//! version, store id, creation time) are the prefix version 2 keeps.

use super::{
    CHECKSUM_LEN, FORMAT_V1, KDF_ARGON2ID_13, MAGIC, StoreId, WRAP_LEN, decode_kdf, encode_kdf,
    verify_checksum,
};
use crate::crypto::{self, KdfParams, SALT_LEN};
use crate::error::Error;
use crate::format::read_array;

pub(super) const OFF_VERSION: usize = 8;
pub(super) const OFF_STORE_ID: usize = 10;
pub(super) const OFF_CREATED: usize = 26;
pub(super) const OFF_KDF_ALG: usize = 34;
const OFF_KDF_M: usize = 35;
const OFF_SALT: usize = 47;
/// Everything before this offset is the associated data of the version-1 wrapped master key.
const OFF_WRAP: usize = OFF_SALT + SALT_LEN; // 63
const OFF_CHECKSUM: usize = OFF_WRAP + WRAP_LEN; // 123
/// Length of a version-1 header.
pub(crate) const V1_LEN: usize = OFF_CHECKSUM + CHECKSUM_LEN; // 155

/// A version-1 header: one passphrase, its KDF parameters and the master key wrapped under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderV1 {
    pub(crate) store_id: StoreId,
    pub(crate) created_unix: u64,
    pub(crate) kdf: KdfParams,
    pub(crate) salt: [u8; SALT_LEN],
    /// `nonce ‖ AES-256-GCM(KEK, master key) ‖ tag`, associated data = [`HeaderV1::wrap_aad`].
    pub(crate) wrapped_master_key: [u8; WRAP_LEN],
}

impl HeaderV1 {
    /// The bytes the wrapped master key is bound to: every field before it.
    pub(crate) fn wrap_aad(&self) -> [u8; OFF_WRAP] {
        let mut out = [0u8; OFF_WRAP];
        out[..OFF_VERSION].copy_from_slice(&MAGIC);
        out[OFF_VERSION..OFF_STORE_ID].copy_from_slice(&FORMAT_V1.to_le_bytes());
        out[OFF_STORE_ID..OFF_CREATED].copy_from_slice(&self.store_id);
        out[OFF_CREATED..OFF_KDF_ALG].copy_from_slice(&self.created_unix.to_le_bytes());
        out[OFF_KDF_ALG] = KDF_ARGON2ID_13;
        out[OFF_KDF_M..OFF_SALT].copy_from_slice(&encode_kdf(&self.kdf));
        out[OFF_SALT..OFF_WRAP].copy_from_slice(&self.salt);
        out
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(V1_LEN);
        out.extend_from_slice(&self.wrap_aad());
        out.extend_from_slice(&self.wrapped_master_key);
        let sum = crypto::checksum(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Checks (after magic and version): length, checksum, KDF algorithm, KDF caps.
    pub(super) fn decode(bytes: &[u8]) -> Result<HeaderV1, Error> {
        if bytes.len() != V1_LEN {
            return Err(Error::corrupted(format!(
                "header: {} bytes, expected {V1_LEN}",
                bytes.len()
            )));
        }
        verify_checksum(bytes)?;
        let kdf = decode_kdf(bytes, OFF_KDF_ALG)?;
        Ok(HeaderV1 {
            store_id: read_array(bytes, OFF_STORE_ID),
            created_unix: u64::from_le_bytes(read_array(bytes, OFF_CREATED)),
            kdf,
            salt: read_array(bytes, OFF_SALT),
            wrapped_master_key: read_array(bytes, OFF_WRAP),
        })
    }
}
