//! Opening and creating the vault the global options name, with the passphrase from its
//! sources. The file is checked before anyone is asked for a passphrase, so a typo in the path
//! is reported at once rather than after a prompt.

use std::path::Path;

use tokenvault::{KdfParams, OpenOptions, Vault};

use crate::cli::CliError;
use crate::cli::args::GlobalArgs;
use crate::cli::error::{not_found_vault, vault_error};
use crate::cli::passphrase::{self, Which};

pub(crate) fn options(global: &GlobalArgs) -> OpenOptions {
    OpenOptions::new().busy_timeout(global.busy_timeout)
}

/// Unlocks the existing vault.
pub(crate) fn open(global: &GlobalArgs) -> Result<Vault, CliError> {
    let path = &global.vault;
    if !path.exists() {
        return Err(not_found_vault(path));
    }
    let passphrase = passphrase::obtain(
        Which::Current {
            file: global.passphrase_file.as_deref(),
        },
        path,
    )?;
    options(global)
        .open(path, &passphrase)
        .map_err(|e| vault_error(e, path))
}

/// Creates a new vault with `kdf`; refuses an existing file before asking for a passphrase.
pub(crate) fn create(global: &GlobalArgs, kdf: KdfParams) -> Result<Vault, CliError> {
    let path = &global.vault;
    refuse_existing(path)?;
    kdf.validate().map_err(|e| {
        CliError::failure(format!("{e}; lower --kdf-memory-kib or --kdf-iterations"))
    })?;
    let passphrase = passphrase::obtain(
        Which::Creating {
            file: global.passphrase_file.as_deref(),
        },
        path,
    )?;
    options(global)
        .create(path, &passphrase, kdf)
        .map_err(|e| vault_error(e, path))
}

fn refuse_existing(path: &Path) -> Result<(), CliError> {
    if path.exists() {
        return Err(vault_error(
            tokenvault::Error::AlreadyExists {
                path: path.to_path_buf(),
            },
            path,
        ));
    }
    Ok(())
}

/// A KDF description for messages: "Argon2id, 64 MiB, 3 passes, 4 lanes".
pub(crate) fn describe_kdf(kdf: &KdfParams) -> String {
    let memory = if kdf.memory_kib % 1024 == 0 {
        format!("{} MiB", kdf.memory_kib / 1024)
    } else {
        format!("{} KiB", kdf.memory_kib)
    };
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "Argon2id, {memory}, {}, {}",
        plural(kdf.iterations, "pass", "passes"),
        plural(kdf.parallelism, "lane", "lanes")
    )
}
