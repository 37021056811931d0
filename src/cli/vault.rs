//! Opening and creating the vault the global options name (a file, or a database on a server),
//! with the passphrase from its sources. A file is checked before anyone is asked for a
//! passphrase, so a typo in the path is reported at once rather than after a prompt.

use std::sync::mpsc::RecvTimeoutError;

use tokenvault::{Error, ImportSummary, KdfParams, Location, OpenOptions, Token, Vault};

use crate::cli::CliError;
use crate::cli::args::GlobalArgs;
use crate::cli::error::{not_found_vault, vault_error};
use crate::cli::output;
use crate::cli::passphrase::{self, Which};

pub(crate) fn options(global: &GlobalArgs) -> OpenOptions {
    OpenOptions::new().busy_timeout(global.busy_timeout)
}

/// Unlocks the existing vault.
pub(crate) fn open(global: &GlobalArgs) -> Result<Vault, CliError> {
    let location = global.location();
    let shown = global.shown();
    if let Some(path) = location.as_path() {
        if !path.exists() {
            return Err(not_found_vault(path));
        }
        if let Some(warning) = Vault::permission_warning(path) {
            output::warn(warning.trim_start_matches("warning: "));
        }
    }
    let passphrase = passphrase::obtain(
        Which::Current {
            file: global.passphrase_file.as_deref(),
        },
        &shown,
    )?;
    let options = options(global);
    within_busy_timeout(global, move || {
        options.open_location(&location, &passphrase)
    })
}

/// Whether a vault is at the location: a file there, or a vault in the server's database.
pub(crate) fn exists(global: &GlobalArgs) -> Result<bool, CliError> {
    let location = global.location();
    if let Some(path) = location.as_path() {
        return Ok(path.exists());
    }
    // A server's waits are bounded by the connect and I/O timeouts, not by a file lock.
    match Vault::inspect_location(&location) {
        Ok(_) => Ok(true),
        Err(Error::NotAVault { .. }) => Ok(false),
        Err(e) => Err(vault_error(e, &global.shown())),
    }
}

/// Runs `open` on a helper thread and waits at most `--busy-timeout` for it.
///
/// The library bounds its own lock waits (`src/store/bounded_locks.rs`), but an open also runs
/// redb's integrity check and key derivation; this keeps the command's promise — exit 5 after
/// `--busy-timeout`, never a hang — whatever part of the open is slow. On timeout the thread is
/// left blocked and ends with the process; it has written nothing.
pub(crate) fn within_busy_timeout<T: Send + 'static>(
    global: &GlobalArgs,
    open: impl FnOnce() -> Result<T, tokenvault::Error> + Send + 'static,
) -> Result<T, CliError> {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(open());
    });
    match result.recv_timeout(global.busy_timeout) {
        Ok(outcome) => outcome.map_err(|e| vault_error(e, &global.shown())),
        Err(RecvTimeoutError::Timeout) => Err(vault_error(
            tokenvault::Error::Busy {
                waited: global.busy_timeout,
            },
            &global.shown(),
        )),
        Err(RecvTimeoutError::Disconnected) => Err(CliError::failure(format!(
            "opening {} failed unexpectedly; run the command again",
            global.shown().display()
        ))),
    }
}

/// Creates a new vault with `kdf`; refuses an existing file before asking for a passphrase.
pub(crate) fn create(global: &GlobalArgs, kdf: KdfParams) -> Result<Vault, CliError> {
    create_with_tokens(global, kdf, std::iter::empty()).map(|(vault, _)| vault)
}

/// Creates the vault holding `tokens`, in one transaction: a failed import leaves no vault.
pub(crate) fn create_with_tokens(
    global: &GlobalArgs,
    kdf: KdfParams,
    tokens: impl IntoIterator<Item = Token>,
) -> Result<(Vault, ImportSummary), CliError> {
    let location = global.location();
    let shown = global.shown();
    refuse_existing(&location)?;
    kdf.validate().map_err(|e| {
        CliError::failure(format!("{e}; lower --kdf-memory-kib or --kdf-iterations"))
    })?;
    let passphrase = passphrase::obtain(
        Which::Creating {
            file: global.passphrase_file.as_deref(),
        },
        &shown,
    )?;
    options(global)
        .create_location_with_tokens(&location, &passphrase, kdf, tokens)
        .map_err(|e| vault_error(e, &shown))
}

/// A file already there is refused before the passphrase prompt (a server database is checked
/// by the library, inside the transaction that creates the vault).
fn refuse_existing(location: &Location) -> Result<(), CliError> {
    match location.as_path() {
        Some(path) if path.exists() => Err(vault_error(
            Error::AlreadyExists {
                path: path.to_path_buf(),
            },
            path,
        )),
        _ => Ok(()),
    }
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
