//! Where the credential comes from, in this order (the first that is set wins; README "Contract"
//! and `--help` say the same). The order is the library's (`tokenvault::CredentialSources`,
//! which the Python package calls too); this module names the command line's sources for it,
//! asks the terminal when none is set, and words the errors:
//!
//! 0. the key file `--key-file`, else `TOKENVAULT_KEY_FILE` (a warning when other users can read
//!    it): unlocks a key-file slot, no passphrase asked;
//!    then a recovery key, when `--recovery-key` is given or `TOKENVAULT_RECOVERY_KEY` is set: the
//!    variable's value, else asked on the terminal;
//! 1. `TOKENVAULT_PASSPHRASE`;
//! 2. the first line of `--passphrase-file PATH` (a warning when other users can read it);
//! 3. the output of `--passphrase-command CMD`, else of `TOKENVAULT_PASSPHRASE_COMMAND` (run by
//!    the library's `passphrase_from_command`: `sh -c`, stdin `/dev/null`, one trailing line end
//!    removed, a timeout);
//! 4. a no-echo prompt on the terminal.
//!
//! Never a command-line value (it would sit in `ps` output and shell history). `passwd`'s new
//! passphrase has its own two sources (`TOKENVAULT_NEW_PASSPHRASE`, `--new-passphrase-file`),
//! then the terminal.
//!
//! The prompt reads `/dev/tty`, not stdin: `find` and `save` read JSON from stdin, and a script
//! piping data in must still be able to ask the person at the terminal. For the same reason the
//! passphrase command gets no stdin.

use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use tokenvault::{
    Credential, CredentialSource, CredentialSourceError, CredentialSources, NamedPath,
    PASSPHRASE_FILE_MAX, RECOVERY_KEY_VAR, Resolution, SecretBytes,
};

use crate::CliError;
use crate::args::GlobalArgs;
use crate::error::WEAK_KEY_FILE_ADVICE;
use crate::output;

/// A passphrase, wiped from memory when dropped.
pub(crate) struct Passphrase(SecretBytes);

impl AsRef<[u8]> for Passphrase {
    fn as_ref(&self) -> &[u8] {
        self.0.expose()
    }
}

/// The sources of the vault's credential the command line names.
#[derive(Clone, Copy, Default)]
pub(crate) struct Sources<'a> {
    /// `--key-file`, else `TOKENVAULT_KEY_FILE` (clap reads both).
    pub(crate) key_file: Option<&'a Path>,
    /// `--recovery-key`.
    pub(crate) recovery_key: bool,
    /// `--passphrase-file`.
    pub(crate) file: Option<&'a Path>,
    /// `--passphrase-command`, else `TOKENVAULT_PASSPHRASE_COMMAND` (clap reads both).
    pub(crate) command: Option<&'a str>,
    /// `--allow-weak-key-file`: a new vault may have a key file that does not look random.
    pub(crate) allow_weak_key_file: bool,
}

impl<'a> Sources<'a> {
    /// The passphrase sources the command line names.
    pub(crate) fn of(global: &'a GlobalArgs) -> Self {
        Sources {
            key_file: global.key_file.as_deref(),
            recovery_key: global.recovery_key,
            file: global.passphrase_file.as_deref(),
            command: global.passphrase_command.as_deref(),
            allow_weak_key_file: global.allow_weak_key_file,
        }
    }
}

/// Which passphrase is asked for, and so where it may come from.
#[derive(Clone, Copy)]
pub(crate) enum Which<'a> {
    /// The vault's passphrase, to unlock it.
    Current(Sources<'a>),
    /// The passphrase of a vault being created (asked twice on a terminal).
    Creating(Sources<'a>),
    /// `passwd`'s new passphrase (asked twice on a terminal): no command source.
    New { file: Option<&'a Path> },
}

impl<'a> Which<'a> {
    fn env_var(self) -> &'static str {
        match self {
            Which::Current(_) | Which::Creating(_) => "TOKENVAULT_PASSPHRASE",
            Which::New { .. } => "TOKENVAULT_NEW_PASSPHRASE",
        }
    }

    fn file_flag(self) -> &'static str {
        match self {
            Which::Current(_) | Which::Creating(_) => "--passphrase-file",
            Which::New { .. } => "--new-passphrase-file",
        }
    }

    fn sources(self) -> Sources<'a> {
        match self {
            Which::Current(sources) | Which::Creating(sources) => sources,
            Which::New { file } => Sources {
                key_file: None,
                recovery_key: false,
                file,
                command: None,
                allow_weak_key_file: false,
            },
        }
    }
}

/// The credential for `vault`, from the first of its sources (the order is the library's,
/// [`CredentialSources::resolve`]); the terminal is asked only when no source is set.
pub(crate) fn credential(which: Which<'_>, vault: &Path) -> Result<Credential, CliError> {
    let sources = which.sources();
    let named = CredentialSources {
        key_file: sources.key_file.map(|path| NamedPath {
            path,
            named_by: KEY_FILE_SOURCE,
        }),
        passphrase: None,
        recovery_key: sources.recovery_key,
        passphrase_file: sources.file.map(|path| NamedPath {
            path,
            named_by: which.file_flag(),
        }),
        passphrase_command: sources.command,
    };
    let resolved = named.resolve(&mut |warning| output::warn(warning));
    let creating = matches!(which, Which::Creating(_));
    let asked_recovery_key = matches!(resolved, Ok(Resolution::AskRecoveryKey))
        || matches!(
            resolved,
            Ok(Resolution::Found(_, CredentialSource::RecoveryKeyVariable))
        )
        || matches!(&resolved, Err(e) if e.source_of_failure() == CredentialSource::RecoveryKeyVariable);
    if creating && asked_recovery_key {
        return Err(CliError::failure(
            "a vault is created with a passphrase or a key file; `init --recovery-key` adds a recovery key to it",
        ));
    }
    match resolved.map_err(|e| source_error(e, which, sources))? {
        Resolution::Found(
            credential,
            CredentialSource::KeyFileArgument | CredentialSource::KeyFileVariable,
        ) => {
            let from_env = std::env::var_os(tokenvault::KEY_FILE_VAR).map(PathBuf::from);
            let path = sources
                .key_file
                .or(from_env.as_deref())
                .unwrap_or(Path::new(""));
            check_key_file(which, &credential, path)?;
            Ok(credential)
        }
        Resolution::Found(credential, _) => Ok(credential),
        Resolution::AskRecoveryKey => {
            let Some(terminal) = Terminal::open() else {
                return Err(CliError::failure(format!(
                    "no recovery key: set {RECOVERY_KEY_VAR}, or run in a terminal to be asked"
                )));
            };
            let typed = terminal.ask(&format!("Recovery key for {}: ", vault.display()))?;
            let text = Zeroizing::new(String::from_utf8_lossy(typed.0.expose()).into_owned());
            Credential::recovery_key(&text).map_err(|e| CliError::failure(e.to_string()))
        }
        Resolution::NoneFound => {
            ask_terminal(which, vault).map(|passphrase| Credential::passphrase(&passphrase))
        }
    }
}

/// How messages name the key file the command line gives: clap reads `--key-file`, else
/// `TOKENVAULT_KEY_FILE`, into one value.
const KEY_FILE_SOURCE: &str = "--key-file or TOKENVAULT_KEY_FILE";

/// A new vault's key file must look random; one already in a slot still opens the vault
/// (refusing it now would lock its users out), and they are told how to replace it.
fn check_key_file(which: Which<'_>, credential: &Credential, path: &Path) -> Result<(), CliError> {
    match which {
        Which::Creating(sources) => check_new_key_file(
            credential,
            path,
            KEY_FILE_SOURCE,
            sources.allow_weak_key_file,
        ),
        Which::Current(_) | Which::New { .. } => {
            if let Some(what) = credential.weak_key_file() {
                output::warn(format!(
                    "the key file {} ({KEY_FILE_SOURCE}) does not look random: {what}. A key file gets no key derivation, so whoever has a copy of the vault can try to guess it offline; replace it with a random one: `tokenvault slot add --new-key-file NEW --generate`, then `tokenvault slot remove NAME --rotate`",
                    path.display()
                ));
            }
            Ok(())
        }
    }
}

/// A source that is set but unusable, as the CLI says it: the library's reason, and the flag
/// or variable to fix.
fn source_error(error: CredentialSourceError, which: Which<'_>, sources: Sources<'_>) -> CliError {
    let flag = which.file_flag();
    match error {
        CredentialSourceError::EmptyKeyFilePath(_) => CliError::failure(format!(
            "the key file's path is empty ({KEY_FILE_SOURCE}): give the key file's path, or unset TOKENVAULT_KEY_FILE to use a passphrase"
        )),
        CredentialSourceError::KeyFile(_, e) => {
            CliError::failure(format!("{e} ({KEY_FILE_SOURCE})"))
        }
        CredentialSourceError::RecoveryKey(e) => CliError::failure(e.to_string()),
        CredentialSourceError::EmptyPassphrase(source) => {
            let named = match (source, sources.file) {
                (CredentialSource::PassphraseFile, Some(path)) => path.display().to_string(),
                (source, _) => source.variable().unwrap_or(which.env_var()).to_owned(),
            };
            empty_passphrase(&named)
        }
        CredentialSourceError::PassphraseFile(tokenvault::SecretFileError::Io(e)) => {
            let path = sources.file.unwrap_or(Path::new(""));
            CliError::io(&format!("read the passphrase file ({flag})"), path, &e)
        }
        CredentialSourceError::PassphraseFile(e) => CliError::failure(format!(
            "cannot read the passphrase file ({flag}) {}: {e}; to take the passphrase from a program's output, use --passphrase-command CMD",
            sources.file.unwrap_or(Path::new("")).display()
        )),
        CredentialSourceError::PassphraseFileTooLong => CliError::failure(format!(
            "the passphrase file {} ({flag}) has no line end in its first {PASSPHRASE_FILE_MAX} bytes; it holds the passphrase on its first line",
            sources.file.unwrap_or(Path::new("")).display()
        )),
        CredentialSourceError::PassphraseCommand(_, e) => CliError::failure(format!(
            "{e} (--passphrase-command or TOKENVAULT_PASSPHRASE_COMMAND); nothing was changed"
        )),
        // The library may name more reasons later; its own message then stands.
        e => CliError::failure(e.to_string()),
    }
}

/// The key file at `path` (named by `source`), with a warning first when others can read it.
pub(crate) fn key_file(path: &Path, source: &str) -> Result<Credential, CliError> {
    if let Some(warning) =
        tokenvault::secret_file_warning(path, &format!("the key file ({source})"))
    {
        output::warn(warning);
    }
    Credential::key_file(path).map_err(|e| CliError::failure(format!("{e} ({source})")))
}

/// Refuses a key file that does not look random for a new vault or key slot, unless `allowed`
/// (`--allow-weak-key-file`, then with a warning): before the vault is unlocked or created, with
/// the advice the library's own refusal ([`tokenvault::Error::WeakKeyFile`]) cannot give.
pub(crate) fn check_new_key_file(
    credential: &Credential,
    path: &Path,
    source: &str,
    allowed: bool,
) -> Result<(), CliError> {
    let Some(what) = credential.weak_key_file() else {
        return Ok(());
    };
    let shown = path.display();
    if allowed {
        output::warn(format!(
            "the key file {shown} ({source}) does not look random: {what}. Added anyway (--allow-weak-key-file): it gets no key derivation, so whoever has a copy of the vault can try to guess it offline"
        ));
        return Ok(());
    }
    Err(CliError::failure(format!(
        "the key file {shown} ({source}) does not look random: {what}. {WEAK_KEY_FILE_ADVICE}"
    )))
}

/// `passwd`'s new passphrase: `TOKENVAULT_NEW_PASSPHRASE`, else the first line of
/// `--new-passphrase-file` (read by the library), else the terminal.
pub(crate) fn obtain(which: Which<'_>, vault: &Path) -> Result<Passphrase, CliError> {
    let var = which.env_var();
    if let Some(value) = std::env::var_os(var) {
        return non_empty(os_bytes(value), var);
    }
    if let Some(path) = which.sources().file {
        let flag = which.file_flag();
        let named = NamedPath {
            path,
            named_by: flag,
        };
        let line = tokenvault::passphrase_file(named, &mut |warning| output::warn(warning))
            .map_err(|e| source_error(e, which, which.sources()))?;
        return non_empty(line, &path.display().to_string());
    }
    ask_terminal(which, vault)
}

/// The passphrase typed at the terminal (twice for a new one), when no other source is set.
fn ask_terminal(which: Which<'_>, vault: &Path) -> Result<Passphrase, CliError> {
    let Some(terminal) = Terminal::open() else {
        let command = match which {
            Which::New { .. } => "",
            _ => ", set TOKENVAULT_PASSPHRASE_COMMAND (or --passphrase-command CMD)",
        };
        return Err(CliError::failure(format!(
            "no passphrase: set {}, pass {} PATH{command}, or run in a terminal to be asked",
            which.env_var(),
            which.file_flag()
        )));
    };
    match which {
        Which::Current(_) => terminal.ask(&format!("Passphrase for {}: ", vault.display())),
        Which::Creating(_) | Which::New { .. } => {
            let first = terminal.ask(&format!("New passphrase for {}: ", vault.display()))?;
            let again = terminal.ask("Repeat the new passphrase: ")?;
            if first.0.expose() != again.0.expose() {
                return Err(CliError::failure(
                    "the two passphrases differ; nothing was changed (run the command again)",
                ));
            }
            Ok(first)
        }
    }
}

fn non_empty(bytes: SecretBytes, source: &str) -> Result<Passphrase, CliError> {
    if bytes.is_empty() {
        return Err(empty_passphrase(source));
    }
    Ok(Passphrase(bytes))
}

fn empty_passphrase(source: &str) -> CliError {
    CliError::failure(format!(
        "the passphrase from {source} is empty; an empty passphrase protects nothing"
    ))
}

#[cfg(unix)]
fn os_bytes(value: std::ffi::OsString) -> SecretBytes {
    use std::os::unix::ffi::OsStringExt;
    SecretBytes::new(value.into_vec())
}

#[cfg(not(unix))]
fn os_bytes(value: std::ffi::OsString) -> SecretBytes {
    SecretBytes::new(value.to_string_lossy().into_owned().into_bytes())
}

/// The controlling terminal, if this process has one.
struct Terminal;

impl Terminal {
    /// Checks that `/dev/tty` opens: without a controlling terminal (cron, CI, `setsid`) there
    /// is no one to ask, and saying so at once beats waiting forever.
    fn open() -> Option<Terminal> {
        #[cfg(unix)]
        {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .ok()
                .map(|_| Terminal)
        }
        #[cfg(not(unix))]
        {
            use std::io::IsTerminal;
            std::io::stdin().is_terminal().then_some(Terminal)
        }
    }

    fn ask(&self, prompt: &str) -> Result<Passphrase, CliError> {
        let typed = rpassword::prompt_password(prompt).map_err(|e: io::Error| {
            CliError::failure(format!("cannot read the passphrase from the terminal: {e}"))
        })?;
        non_empty(SecretBytes::new(typed.into_bytes()), "the terminal")
    }
}
