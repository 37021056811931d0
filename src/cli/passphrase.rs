//! Where a passphrase comes from: an environment variable, else the first line of a file, else
//! a no-echo prompt on the terminal. Never a command-line value (it would sit in `ps` output and
//! shell history).
//!
//! The prompt reads `/dev/tty`, not stdin: `find` and `save` read JSON from stdin, and a script
//! piping data in must still be able to ask the person at the terminal.

use std::io;
use std::path::Path;

use zeroize::Zeroizing;

use crate::cli::CliError;

/// A passphrase, wiped from memory when dropped.
pub(crate) struct Passphrase(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for Passphrase {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Which passphrase is asked for, and so where it may come from.
#[derive(Clone, Copy)]
pub(crate) enum Which<'a> {
    /// The vault's passphrase, to unlock it.
    Current { file: Option<&'a Path> },
    /// The passphrase of a vault being created (asked twice on a terminal).
    Creating { file: Option<&'a Path> },
    /// `passwd`'s new passphrase (asked twice on a terminal).
    New { file: Option<&'a Path> },
}

impl<'a> Which<'a> {
    fn env_var(self) -> &'static str {
        match self {
            Which::Current { .. } | Which::Creating { .. } => "TOKENVAULT_PASSPHRASE",
            Which::New { .. } => "TOKENVAULT_NEW_PASSPHRASE",
        }
    }

    fn file_flag(self) -> &'static str {
        match self {
            Which::Current { .. } | Which::Creating { .. } => "--passphrase-file",
            Which::New { .. } => "--new-passphrase-file",
        }
    }

    fn file(self) -> Option<&'a Path> {
        match self {
            Which::Current { file } | Which::Creating { file } | Which::New { file } => file,
        }
    }
}

/// Gets the passphrase for `vault` from the first source that has one.
pub(crate) fn obtain(which: Which<'_>, vault: &Path) -> Result<Passphrase, CliError> {
    let var = which.env_var();
    if let Some(value) = std::env::var_os(var) {
        return non_empty(os_bytes(value), var);
    }
    if let Some(path) = which.file() {
        return from_file(path, which.file_flag());
    }
    let Some(terminal) = Terminal::open() else {
        return Err(CliError::failure(format!(
            "no passphrase: set {var}, pass {} PATH, or run in a terminal to be asked",
            which.file_flag()
        )));
    };
    match which {
        Which::Current { .. } => terminal.ask(&format!("Passphrase for {}: ", vault.display())),
        Which::Creating { .. } | Which::New { .. } => {
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

/// The first line of `path`, without its line end.
fn from_file(path: &Path, flag: &str) -> Result<Passphrase, CliError> {
    let contents = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| CliError::io(&format!("read the passphrase file ({flag})"), path, &e))?,
    );
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
