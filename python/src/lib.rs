//! `tokenvault._native`: the tokenvault vault for Python. The pure-Python package `tokenvault`
//! wraps it in `VaultStore`, the Zoho CRM SDK `TokenStore`.

#![deny(unsafe_code)]
#![warn(unreachable_pub)]

mod cli;
mod convert;
mod credential;
mod errors;
mod kdf_pool;
mod location;
mod migration;
mod vault;

use pyo3::prelude::*;

/// The tokenvault vault (native part). Use `tokenvault.VaultStore`.
#[pymodule]
mod _native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::cli::run_cli;
    #[pymodule_export]
    use super::credential::{
        PyCredential, credential_from_sources, passphrase_from_command, secret_file_warning,
    };
    #[pymodule_export]
    use super::errors::{
        CorruptedVaultError, InvalidIdError, InvalidTokenFileError, KeyChangedError, KeyFileError,
        MissingAuthDetailsError, NotAVaultError, TokenNotFoundError, UnsupportedVersionError,
        VaultBusyError, VaultError, VaultExistsError, VaultNotFoundError, WrongKeyFileError,
        WrongPassphraseError,
    };
    #[pymodule_export]
    use super::location::{inspect, is_server_location, permission_warning, shown_location};
    #[pymodule_export]
    use super::migration::migrate_filestore;
    #[pymodule_export]
    use super::vault::PyVault;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // The package version (python/Cargo.toml, the wheel's version through pyproject.toml's
        // `dynamic`); python/tests/test_packaging.py checks it equals the root crate's.
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("FORMAT_VERSION", tokenvault::FORMAT_VERSION)?;
        m.add("FIELDS", tokenvault::Token::FIELDS.to_vec())?;
        m.add(
            "DEFAULT_BUSY_TIMEOUT",
            tokenvault::DEFAULT_BUSY_TIMEOUT.as_secs_f64(),
        )?;
        m.add(
            "DEFAULT_REFRESH_LEASE",
            tokenvault::DEFAULT_REFRESH_LEASE.as_secs_f64(),
        )?;
        m.add(
            "PASSPHRASE_COMMAND_TIMEOUT",
            tokenvault::PASSPHRASE_COMMAND_TIMEOUT.as_secs_f64(),
        )?;
        let kdf = tokenvault::KdfParams::default();
        m.add(
            "DEFAULT_KDF",
            (kdf.memory_kib, kdf.iterations, kdf.parallelism),
        )?;
        Ok(())
    }
}
