//! Where the credential comes from, in this order (the first that is set wins; README "Contract"
//! and `--help` say the same, and the Python package follows the same order):
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
use std::path::Path;

use zeroize::Zeroizing;

use tokenvault::Credential;

use crate::CliError;
use crate::args::GlobalArgs;
use crate::output;

/// A passphrase, wiped from memory when dropped.
pub(crate) struct Passphrase(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for Passphrase {
    fn as_ref(&self) -> &[u8] {
        &self.0
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

/// The credential for `vault`: the key file when one is named (source 0), else the passphrase
/// from the first of its sources.
pub(crate) fn credential(which: Which<'_>, vault: &Path) -> Result<Credential, CliError> {
    let sources = which.sources();
    if let Some(path) = sources.key_file {
        const SOURCE: &str = "--key-file or TOKENVAULT_KEY_FILE";
        let credential = key_file(path, SOURCE)?;
        match which {
            Which::Creating(sources) => {
                check_new_key_file(&credential, path, SOURCE, sources.allow_weak_key_file)?;
            }
            // A weak key file already in a slot still opens the vault: refusing it now would
            // lock its users out. They are told how to replace it.
            Which::Current(_) | Which::New { .. } => {
                if let Some(what) = credential.weak_key_file() {
                    output::warn(format!(
                        "the key file {} ({SOURCE}) does not look random: {what}. A key file gets no key derivation, so whoever has a copy of the vault can try to guess it offline; replace it with a random one: `tokenvault slot add --new-key-file NEW --generate`, then `tokenvault slot remove NAME --rotate`",
                        path.display()
                    ));
                }
            }
        }
        return Ok(credential);
    }
    let recovery = std::env::var_os(RECOVERY_KEY_VAR);
    if sources.recovery_key || recovery.is_some() {
        if let Which::Creating(_) = which {
            return Err(CliError::failure(
                "a vault is created with a passphrase or a key file; `init --recovery-key` adds a recovery key to it",
            ));
        }
        let text = match recovery {
            Some(value) => Zeroizing::new(value.to_string_lossy().into_owned()),
            None => match Terminal::open() {
                Some(terminal) => {
                    let typed = terminal.ask(&format!("Recovery key for {}: ", vault.display()))?;
                    Zeroizing::new(String::from_utf8_lossy(&typed.0).into_owned())
                }
                None => {
                    return Err(CliError::failure(format!(
                        "no recovery key: set {RECOVERY_KEY_VAR}, or run in a terminal to be asked"
                    )));
                }
            },
        };
        return Credential::recovery_key(&text).map_err(|e| CliError::failure(e.to_string()));
    }
    obtain(which, vault).map(|passphrase| Credential::passphrase(&passphrase))
}

/// Where a recovery key comes from when not typed at the terminal.
pub(crate) const RECOVERY_KEY_VAR: &str = "TOKENVAULT_RECOVERY_KEY";

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

/// What to do about a key file that does not look random, for a new vault or slot.
pub(crate) const WEAK_KEY_FILE_ADVICE: &str = "A key file gets no key derivation, so one a person typed or chose is found by an offline search at hundreds of thousands of guesses a second. Make a random one on a path that does not exist yet with --generate (`tokenvault slot add --new-key-file PATH --generate`, or `tokenvault init --key-file PATH --generate`), or with `head -c 32 /dev/urandom > PATH`; to use this one anyway, pass --allow-weak-key-file (dangerous). Nothing was changed";

/// Gets the passphrase for `vault` from the first passphrase source that has one (1 to 4 above).
pub(crate) fn obtain(which: Which<'_>, vault: &Path) -> Result<Passphrase, CliError> {
    let var = which.env_var();
    if let Some(value) = std::env::var_os(var) {
        return non_empty(os_bytes(value), var);
    }
    let sources = which.sources();
    if let Some(path) = sources.file {
        return from_file(path, which.file_flag());
    }
    if let Some(command) = sources.command {
        return from_command(command);
    }
    let Some(terminal) = Terminal::open() else {
        let command = match which {
            Which::New { .. } => "",
            _ => ", set TOKENVAULT_PASSPHRASE_COMMAND (or --passphrase-command CMD)",
        };
        return Err(CliError::failure(format!(
            "no passphrase: set {var}, pass {} PATH{command}, or run in a terminal to be asked",
            which.file_flag()
        )));
    };
    match which {
        Which::Current(_) => terminal.ask(&format!("Passphrase for {}: ", vault.display())),
        Which::Creating(_) | Which::New { .. } => {
            let first = terminal.ask(&format!("New passphrase for {}: ", vault.display()))?;
            let again = terminal.ask("Repeat the new passphrase: ")?;
            if first.0 != again.0 {
                return Err(CliError::failure(
                    "the two passphrases differ; nothing was changed (run the command again)",
                ));
            }
            Ok(first)
        }
    }
}

/// The passphrase a command prints (the library runs it); an error names its exit status,
/// never its output.
fn from_command(command: &str) -> Result<Passphrase, CliError> {
    tokenvault::passphrase_from_command(command, tokenvault::PASSPHRASE_COMMAND_TIMEOUT)
        .map(Passphrase)
        .map_err(|e| {
            CliError::failure(format!(
                "{e} (--passphrase-command or TOKENVAULT_PASSPHRASE_COMMAND); nothing was changed"
            ))
        })
}

fn non_empty(bytes: Zeroizing<Vec<u8>>, source: &str) -> Result<Passphrase, CliError> {
    if bytes.is_empty() {
        return Err(CliError::failure(format!(
            "the passphrase from {source} is empty; an empty passphrase protects nothing"
        )));
    }
    Ok(Passphrase(bytes))
}

#[cfg(unix)]
fn os_bytes(value: std::ffi::OsString) -> Zeroizing<Vec<u8>> {
    use std::os::unix::ffi::OsStringExt;
    Zeroizing::new(value.into_vec())
}

#[cfg(not(unix))]
fn os_bytes(value: std::ffi::OsString) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(value.to_string_lossy().into_owned().into_bytes())
}

/// The most of a passphrase file that is read: its first line is the passphrase, not a file.
const PASSPHRASE_FILE_MAX: usize = 1024 * 1024;

/// The first line of `path`, without its line end; a warning first when others can read it.
fn from_file(path: &Path, flag: &str) -> Result<Passphrase, CliError> {
    if let Some(warning) =
        tokenvault::secret_file_warning(path, &format!("the passphrase file ({flag})"))
    {
        output::warn(warning);
    }
    // A FIFO or a device is refused without blocking, and the passphrase is never in a buffer
    // that grows (and leaves copies behind): `read_secret_file`.
    let contents =
        tokenvault::read_secret_file(path, PASSPHRASE_FILE_MAX).map_err(|e| match e {
            tokenvault::SecretFileError::Io(e) => {
                CliError::io(&format!("read the passphrase file ({flag})"), path, &e)
            }
            e => CliError::failure(format!(
                "cannot read the passphrase file ({flag}) {}: {e}; to take the passphrase from a program's output, use --passphrase-command CMD",
                path.display()
            )),
        })?;
    if contents.len() > PASSPHRASE_FILE_MAX && !contents.contains(&b'\n') {
        return Err(CliError::failure(format!(
            "the passphrase file {} ({flag}) has no line end in its first {PASSPHRASE_FILE_MAX} bytes; it holds the passphrase on its first line",
            path.display()
        )));
    }
    let line = contents.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    non_empty(Zeroizing::new(line.to_vec()), &path.display().to_string())
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
        non_empty(Zeroizing::new(typed.into_bytes()), "the terminal")
    }
}
