//! Opening and creating the vault the global options name, with the passphrase from its
//! sources. The file is checked before anyone is asked for a passphrase, so a typo in the path
//! is reported at once rather than after a prompt.

use std::path::Path;
use std::sync::mpsc::RecvTimeoutError;

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
    let options = options(global);
    let owned = path.clone();
    within_busy_timeout(global, move || options.open(owned, &passphrase))
}

/// Runs `open` on a helper thread and waits at most `--busy-timeout` for it.
///
/// redb's writable open in multi-writer mode waits, with no bound, for any write transaction
/// another process is running (it takes the writer lock to check whether the file needs
/// repair); the library's bounded wait only covers its own writes. Without this a command run
/// during a long import elsewhere would hang instead of exiting 5. On timeout the thread is
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
        Ok(outcome) => outcome.map_err(|e| vault_error(e, &global.vault)),
        Err(RecvTimeoutError::Timeout) => Err(vault_error(
            tokenvault::Error::Busy {
                waited: global.busy_timeout,
            },
            &global.vault,
        )),
        Err(RecvTimeoutError::Disconnected) => Err(CliError::failure(format!(
            "opening {} failed unexpectedly; run the command again",
            global.vault.display()
        ))),
    }
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
