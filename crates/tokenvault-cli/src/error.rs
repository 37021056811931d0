//! The CLI's errors: one sentence saying what happened and what to do, and the documented exit
//! code (`args.rs` §Exit codes). A library error keeps its own words unless the CLI can say
//! something more useful (a flag to pass instead of an API to call).

use std::io::{self, Write};
use std::path::Path;

use tokenvault::{Error, KdfParams};

/// What to do about a key file that does not look random, for a new vault or slot.
pub(crate) const WEAK_KEY_FILE_ADVICE: &str = "A key file gets no key derivation, so one a person typed or chose is found by an offline search at hundreds of thousands of guesses a second. Make a random one on a path that does not exist yet with --generate (`tokenvault slot add --new-key-file PATH --generate`, or `tokenvault init --key-file PATH --generate`), or with `head -c 32 /dev/urandom > PATH`; to use this one anyway, pass --allow-weak-key-file (dangerous). Nothing was changed";

/// The exit codes of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: the token asked for does not exist.
    NotFound = 1,
    /// 2: bad usage, bad input, I/O, anything else.
    Failure = 2,
    /// 3: the passphrase does not unlock the vault.
    WrongPassphrase = 3,
    /// 4: the vault failed an integrity check.
    Corrupted = 4,
    /// 5: another process held the vault past the wait.
    Busy = 5,
    /// 70 (EX_SOFTWARE): a bug in tokenvault, not damage to the vault.
    Internal = 70,
}

/// An error on its way to stderr and the exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    exit: Exit,
    /// `None`: exit quietly (the reader closed our stdout).
    message: Option<String>,
}

impl CliError {
    /// A usage or input error (exit 2).
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        CliError::new(Exit::Failure, message)
    }

    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: Some(message.into()),
        }
    }

    /// An I/O error on `path`, with what we were doing.
    pub(crate) fn io(doing: &str, path: &Path, e: &io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return CliError::broken_pipe();
        }
        CliError::failure(format!("cannot {doing} {}: {e}", path.display()))
    }

    /// Our reader went away (`tokenvault list | head -1`): stop quietly with success.
    pub(crate) fn broken_pipe() -> Self {
        CliError {
            exit: Exit::Failure,
            message: None,
        }
    }

    /// Prints the message on stderr and returns the exit code.
    pub(crate) fn report(self) -> u8 {
        let Some(message) = self.message else {
            return 0;
        };
        let style = anstyle::Style::new()
            .bold()
            .fg_color(Some(anstyle::AnsiColor::Red.into()));
        let mut stderr = anstream::stderr().lock();
        let _ = writeln!(stderr, "{style}error:{style:#} {message}");
        self.exit as u8
    }

    #[cfg(test)]
    pub(crate) fn exit(&self) -> Exit {
        self.exit
    }
}

/// Writing our output failed: a closed pipe ends quietly, anything else is an error.
impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::broken_pipe()
        } else {
            CliError::failure(format!("cannot write the output: {e}"))
        }
    }
}

/// A library error for the vault at `path`, with the contract's exit code.
pub(crate) fn vault_error(e: Error, path: &Path) -> CliError {
    let shown = path.display();
    match e {
        Error::WrongPassphrase => CliError::new(
            Exit::WrongPassphrase,
            format!(
                "wrong passphrase: it does not unlock {shown}; check TOKENVAULT_PASSPHRASE, the --passphrase-file or the passphrase command"
            ),
        ),
        Error::WrongKeyFile => CliError::new(
            Exit::WrongPassphrase,
            format!(
                "wrong key file: it does not unlock {shown}; check --key-file or TOKENVAULT_KEY_FILE (`tokenvault slot list` shows the vault's slots)"
            ),
        ),
        Error::WrongRecoveryKey => CliError::new(
            Exit::WrongPassphrase,
            format!(
                "wrong recovery key: it does not unlock {shown}; check TOKENVAULT_RECOVERY_KEY or what was typed (`tokenvault slot list` shows the vault's slots)"
            ),
        ),
        e @ Error::NoSlotOfKind { .. } => CliError::new(
            Exit::WrongPassphrase,
            format!("{e}; `tokenvault slot list` shows the vault's slots"),
        ),
        e @ Error::Internal { .. } => CliError::new(Exit::Internal, e.to_string()),
        // Checked with its path and advice before the library is asked
        // (`passphrase::check_new_key_file`); this is the library's backstop.
        Error::WeakKeyFile { what } => CliError::failure(format!(
            "the key file does not look random: {what}. {}",
            WEAK_KEY_FILE_ADVICE
        )),
        Error::EmptyPassphrase => CliError::failure(
            "the passphrase is empty; an empty passphrase protects nothing (set TOKENVAULT_PASSPHRASE or --passphrase-file to a long random one)",
        ),
        e @ Error::SealBudgetExhausted => {
            CliError::failure(format!("{e}; run `tokenvault rotate-key`"))
        }
        e @ Error::Corrupted { .. } => CliError::new(
            Exit::Corrupted,
            format!("{e} (`tokenvault verify` reports every problem it finds)"),
        ),
        // Checked with its advice before the library is asked (`vault::check_new_kdf`).
        e @ Error::KdfBelowFloor { .. } => kdf_error(e, false),
        // A header that asks for more Argon2 work than this build allows (`init` validates its
        // own settings first: `kdf_error`). Its checksum verified, so it is not damage but a
        // refusal, like `UnsupportedVersion`: exit 2, not 4 (FORMAT.md §Errors and exit codes).
        e @ (Error::KdfCostTooHigh { .. } | Error::KdfTotalCostTooHigh { .. }) => {
            CliError::failure(e.to_string())
        }
        Error::Busy { waited } => CliError::new(
            Exit::Busy,
            format!(
                "{shown} is busy: another process held it for {:.1} s; retry, or wait longer with --busy-timeout SECONDS",
                waited.as_secs_f64()
            ),
        ),
        // The CLI opens a vault once per command, so the other handle is another process's.
        Error::AlreadyOpen => CliError::new(
            Exit::Busy,
            format!(
                "{shown} is held by another process that opened it for itself alone (single_process); stop that process, or open the vault in it without single_process"
            ),
        ),
        e @ Error::TokenNotFound { .. } => CliError::new(
            Exit::NotFound,
            format!("{e} in {shown} (`tokenvault list` shows the ids)"),
        ),
        Error::VaultNotFound { .. } if is_server(path) => CliError::failure(format!(
            "the database of {shown} does not exist; create it on the server (CREATE DATABASE), or check --database-url / TOKENVAULT_DATABASE_URL"
        )),
        Error::VaultNotFound { .. } => not_found_vault(path),
        Error::AlreadyExists { .. } if is_server(path) => CliError::failure(format!(
            "{shown} already holds a vault; refusing to overwrite it (choose another database)"
        )),
        Error::AlreadyExists { .. } => CliError::failure(format!(
            "{shown} already exists; refusing to overwrite it (choose another --vault path)"
        )),
        Error::NotAVault { .. } if is_server(path) => CliError::failure(format!(
            "{shown} holds no tokenvault vault; create one with `tokenvault --database-url URL init`, or check --database-url / TOKENVAULT_DATABASE_URL"
        )),
        Error::NotAVault { .. } => CliError::failure(format!(
            "{shown} is not a tokenvault vault; check --vault or TOKENVAULT_PATH"
        )),
        Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe => CliError::broken_pipe(),
        Error::Io(io) => CliError::failure(format!("I/O error on {shown}: {io}")),
        e => CliError::failure(e.to_string()),
    }
}

/// Whether `path` is a server location as `GlobalArgs::shown` prints it.
fn is_server(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|p| tokenvault::Location::parse(p).is_server())
}

/// No vault at `path`: say how to make one.
pub(crate) fn not_found_vault(path: &Path) -> CliError {
    CliError::failure(format!(
        "no vault at {}; create one with `tokenvault init` or `tokenvault import --create FILE`, or point --vault / TOKENVAULT_PATH at yours",
        path.display()
    ))
}

/// A refused KDF setting, with the advice that fixes it (the library's message names no flag).
pub(crate) fn kdf_error(e: Error, kept: bool) -> CliError {
    match e {
        Error::KdfBelowFloor {
            memory_kib,
            iterations,
            parallelism,
        } => {
            let kdf = KdfParams {
                memory_kib,
                iterations,
                parallelism,
            };
            let whose = if kept { "this vault's own " } else { "" };
            let keep = if kept { "keep them" } else { "use them anyway" };
            CliError::failure(format!(
                "{whose}Argon2id settings ({}) are below the floor for a new passphrase: at least 64 MiB and 64 MiB × 3 passes of work (RFC 9106's second recommendation); raise --kdf-memory-kib (at least {}) or --kdf-iterations, or {keep} with --insecure-kdf (tests and throwaway vaults only)",
                describe_kdf(&kdf),
                KdfParams::FLOOR_MEMORY_KIB
            ))
        }
        // The one Argon2 minimum the flags' ranges do not rule out: 8 KiB of memory per lane.
        e @ Error::InvalidKdfParams { .. } => CliError::failure(format!(
            "{e}; raise --kdf-memory-kib or lower --kdf-parallelism"
        )),
        e @ Error::KdfCostTooHigh { .. } => {
            CliError::failure(format!("{e}; lower --kdf-memory-kib or --kdf-iterations"))
        }
        e => CliError::failure(e.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_documented_exit_code_has_its_library_error() {
        let p = Path::new("v");
        let code = |e| vault_error(e, p).exit();
        assert_eq!(
            code(Error::TokenNotFound { id: "1".into() }),
            Exit::NotFound
        );
        assert_eq!(code(Error::WrongPassphrase), Exit::WrongPassphrase);
        assert_eq!(code(Error::Corrupted { what: "x".into() }), Exit::Corrupted);
        assert_eq!(
            code(Error::Busy {
                waited: Duration::from_secs(1)
            }),
            Exit::Busy
        );
        assert_eq!(code(Error::MissingAuthDetails), Exit::Failure);
        assert_eq!(code(Error::Internal { what: "x".into() }), Exit::Internal);
    }

    #[test]
    fn broken_pipe_is_quiet_success() {
        let e = CliError::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(e.report(), 0);
    }
}
