//! Where a front end's credential comes from, and in which order: written once here, so the CLI
//! and the Python package (and any later front end) cannot drift apart. The first source that is
//! set wins:
//!
//! 1. a key file the caller names (`--key-file`, `key_file=`);
//! 2. a passphrase the caller passes (`passphrase=`; the CLI never takes one on its command line);
//! 3. the key file named by `TOKENVAULT_KEY_FILE`;
//! 4. a recovery key, when the caller asks for one (`--recovery-key`) or `TOKENVAULT_RECOVERY_KEY`
//!    is set: that variable's value, else the front end asks ([`Resolution::AskRecoveryKey`]);
//! 5. `TOKENVAULT_PASSPHRASE`;
//! 6. the first line of a passphrase file the caller names (`--passphrase-file`);
//! 7. what a passphrase command prints: the caller's (`--passphrase-command`), else
//!    `TOKENVAULT_PASSPHRASE_COMMAND`'s ([`passphrase_from_command`]).
//!
//! Nothing found is [`Resolution::NoneFound`]: a terminal prompt, where there is one, is the
//! front end's business. Reading a source is the library's; naming it in a message is the front
//! end's (each error says which [`CredentialSource`] failed). A secret file others can read is
//! used, with a warning handed to the caller's `warn` (printed by the CLI, a `UserWarning` in
//! Python), before it is read.

use std::ffi::OsString;
use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use crate::credential::Credential;
use crate::error::Error;
use crate::secret_bytes::{CREDENTIAL_DIGEST_LEN, CredentialDigest, SecretBytes};
use crate::secret_sources::{
    PASSPHRASE_COMMAND_TIMEOUT, SecretFileError, passphrase_from_command, read_secret_file,
    secret_file_warning,
};

/// The variable naming a key file (source 3).
pub const KEY_FILE_VAR: &str = "TOKENVAULT_KEY_FILE";
/// The variable holding a recovery key (source 4).
pub const RECOVERY_KEY_VAR: &str = "TOKENVAULT_RECOVERY_KEY";
/// The variable holding the passphrase (source 5).
pub const PASSPHRASE_VAR: &str = "TOKENVAULT_PASSPHRASE";
/// The variable holding a command that prints the passphrase (source 7).
pub const PASSPHRASE_COMMAND_VAR: &str = "TOKENVAULT_PASSPHRASE_COMMAND";

/// The most of a passphrase file that is read: its first line is the passphrase, not a file.
pub const PASSPHRASE_FILE_MAX: usize = 1024 * 1024;

/// A path the caller names, with how its messages name where it came from (e.g. `--key-file`,
/// `key_file=`): the library reads the file, the front end knows its own spelling.
#[derive(Clone, Copy, Debug)]
pub struct NamedPath<'a> {
    /// The path.
    pub path: &'a Path,
    /// Where it was named, for warnings: "the key file (`named_by`) … can be read by others".
    pub named_by: &'a str,
}

/// The sources a front end was given; the environment is read by [`CredentialSources::resolve`].
#[derive(Clone, Copy, Default)]
pub struct CredentialSources<'a> {
    /// A key file the caller names (source 1).
    pub key_file: Option<NamedPath<'a>>,
    /// A passphrase the caller passes (source 2), raw bytes.
    pub passphrase: Option<&'a [u8]>,
    /// Whether the caller asks for a recovery key (source 4), as `--recovery-key` does.
    pub recovery_key: bool,
    /// A file whose first line is the passphrase (source 6).
    pub passphrase_file: Option<NamedPath<'a>>,
    /// A command that prints the passphrase (source 7, before the variable's).
    pub passphrase_command: Option<&'a str>,
}

impl fmt::Debug for CredentialSources<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialSources")
            .field("key_file", &self.key_file)
            .field("passphrase", &self.passphrase.map(|_| "<hidden>"))
            .field("recovery_key", &self.recovery_key)
            .field("passphrase_file", &self.passphrase_file)
            .field("passphrase_command", &self.passphrase_command)
            .finish()
    }
}

/// Which source a credential came from (or which one failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// [`CredentialSources::key_file`].
    KeyFileArgument,
    /// [`CredentialSources::passphrase`].
    PassphraseArgument,
    /// [`KEY_FILE_VAR`].
    KeyFileVariable,
    /// [`RECOVERY_KEY_VAR`].
    RecoveryKeyVariable,
    /// [`PASSPHRASE_VAR`].
    PassphraseVariable,
    /// [`CredentialSources::passphrase_file`].
    PassphraseFile,
    /// [`CredentialSources::passphrase_command`].
    PassphraseCommandArgument,
    /// [`PASSPHRASE_COMMAND_VAR`].
    PassphraseCommandVariable,
}

impl CredentialSource {
    /// The variable this source is, if it is one: how every front end names it.
    pub fn variable(self) -> Option<&'static str> {
        match self {
            CredentialSource::KeyFileVariable => Some(KEY_FILE_VAR),
            CredentialSource::RecoveryKeyVariable => Some(RECOVERY_KEY_VAR),
            CredentialSource::PassphraseVariable => Some(PASSPHRASE_VAR),
            CredentialSource::PassphraseCommandVariable => Some(PASSPHRASE_COMMAND_VAR),
            _ => None,
        }
    }
}

/// What [`CredentialSources::resolve`] found.
#[derive(Debug)]
pub enum Resolution {
    /// A credential, and where it came from.
    Found(Credential, CredentialSource),
    /// A recovery key was asked for and `TOKENVAULT_RECOVERY_KEY` is unset: the front end asks
    /// for it (the CLI on the terminal), or says it has none.
    AskRecoveryKey,
    /// No source is set: the front end asks (the CLI on the terminal), or says how to set one.
    NoneFound,
}

/// A source that is set but gives no usable credential. Never holds a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum CredentialSourceError {
    /// A key file's path is empty (e.g. `TOKENVAULT_KEY_FILE=`): refused rather than falling
    /// back to a passphrase the user did not mean to use.
    EmptyKeyFilePath(CredentialSource),
    /// The key file cannot be read or is not 32 bytes ([`Error::KeyFile`]).
    KeyFile(CredentialSource, Error),
    /// `TOKENVAULT_RECOVERY_KEY` is not a recovery key.
    RecoveryKey(Error),
    /// The passphrase from this source is empty: it would protect nothing.
    EmptyPassphrase(CredentialSource),
    /// The passphrase file cannot be read, or is not a regular file.
    PassphraseFile(SecretFileError),
    /// The passphrase file has no line end in its first [`PASSPHRASE_FILE_MAX`] bytes.
    PassphraseFileTooLong,
    /// The passphrase command failed ([`Error::PassphraseCommand`]).
    PassphraseCommand(CredentialSource, Error),
}

impl CredentialSourceError {
    /// The source that failed.
    pub fn source_of_failure(&self) -> CredentialSource {
        match self {
            CredentialSourceError::EmptyKeyFilePath(source)
            | CredentialSourceError::KeyFile(source, _)
            | CredentialSourceError::EmptyPassphrase(source)
            | CredentialSourceError::PassphraseCommand(source, _) => *source,
            CredentialSourceError::RecoveryKey(_) => CredentialSource::RecoveryKeyVariable,
            CredentialSourceError::PassphraseFile(_)
            | CredentialSourceError::PassphraseFileTooLong => CredentialSource::PassphraseFile,
        }
    }
}

impl fmt::Display for CredentialSourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSourceError::EmptyKeyFilePath(_) => {
                f.write_str("the key file's path is empty")
            }
            CredentialSourceError::KeyFile(_, e)
            | CredentialSourceError::RecoveryKey(e)
            | CredentialSourceError::PassphraseCommand(_, e) => e.fmt(f),
            CredentialSourceError::EmptyPassphrase(_) => {
                f.write_str("the passphrase is empty; an empty passphrase protects nothing")
            }
            CredentialSourceError::PassphraseFile(e) => write!(f, "the passphrase file {e}"),
            CredentialSourceError::PassphraseFileTooLong => write!(
                f,
                "the passphrase file has no line end in its first {PASSPHRASE_FILE_MAX} bytes; it holds the passphrase on its first line"
            ),
        }
    }
}

impl std::error::Error for CredentialSourceError {}

impl CredentialSources<'_> {
    /// The credential from the first source that is set (the order in this module's
    /// documentation), reading this process's environment. Warnings (a secret file others can
    /// read) go to `warn`, each before its file is read.
    pub fn resolve(
        &self,
        warn: &mut dyn FnMut(String),
    ) -> Result<Resolution, CredentialSourceError> {
        self.resolve_in(&|name| std::env::var_os(name), warn)
    }

    /// [`CredentialSources::resolve`] with the variables `env` gives: the order, testable
    /// without changing the process's environment.
    fn resolve_in(
        &self,
        env: &dyn Fn(&str) -> Option<OsString>,
        warn: &mut dyn FnMut(String),
    ) -> Result<Resolution, CredentialSourceError> {
        if let Some(named) = self.key_file {
            let credential = key_file(named, CredentialSource::KeyFileArgument, warn)?;
            return Ok(Resolution::Found(
                credential,
                CredentialSource::KeyFileArgument,
            ));
        }
        if let Some(passphrase) = self.passphrase {
            // As given, even empty: the caller chose it, and opening refuses an empty one
            // (`Error::EmptyPassphrase`) with the core's own message.
            let credential = Credential::passphrase(passphrase);
            return Ok(Resolution::Found(
                credential,
                CredentialSource::PassphraseArgument,
            ));
        }
        if let Some(path) = env(KEY_FILE_VAR) {
            let source = CredentialSource::KeyFileVariable;
            let named = NamedPath {
                path: Path::new(&path),
                named_by: KEY_FILE_VAR,
            };
            return Ok(Resolution::Found(key_file(named, source, warn)?, source));
        }
        let recovery = env(RECOVERY_KEY_VAR);
        if self.recovery_key || recovery.is_some() {
            let Some(text) = recovery else {
                return Ok(Resolution::AskRecoveryKey);
            };
            let text = Zeroizing::new(os_bytes(text));
            let text = Zeroizing::new(String::from_utf8_lossy(&text).into_owned());
            let credential =
                Credential::recovery_key(&text).map_err(CredentialSourceError::RecoveryKey)?;
            return Ok(Resolution::Found(
                credential,
                CredentialSource::RecoveryKeyVariable,
            ));
        }
        if let Some(value) = env(PASSPHRASE_VAR) {
            let source = CredentialSource::PassphraseVariable;
            let bytes = Zeroizing::new(os_bytes(value));
            return non_empty(&bytes, source).map(|c| Resolution::Found(c, source));
        }
        if let Some(named) = self.passphrase_file {
            let bytes = passphrase_file(named, warn)?;
            let source = CredentialSource::PassphraseFile;
            return non_empty(bytes.expose(), source).map(|c| Resolution::Found(c, source));
        }
        let command = match (self.passphrase_command, env(PASSPHRASE_COMMAND_VAR)) {
            (Some(command), _) => Some((
                command.to_owned(),
                CredentialSource::PassphraseCommandArgument,
            )),
            (None, Some(command)) => Some((
                command.to_string_lossy().into_owned(),
                CredentialSource::PassphraseCommandVariable,
            )),
            (None, None) => None,
        };
        if let Some((command, source)) = command {
            let bytes = passphrase_from_command(&command, PASSPHRASE_COMMAND_TIMEOUT)
                .map_err(|e| CredentialSourceError::PassphraseCommand(source, e))?;
            return Ok(Resolution::Found(Credential::from(bytes), source));
        }
        Ok(Resolution::NoneFound)
    }
}

impl Credential {
    /// A BLAKE2b-512 MAC of this credential (its kind and secret) under `key`: how a front end
    /// that must tell whether two credentials are the same one (Python shares one open vault
    /// between stores given the same passphrase) compares them without keeping a second copy
    /// of the secret. Keyed, with a key of the caller's that lives only in its process: an
    /// unkeyed hash of a passphrase would be a verifier to test guesses against offline.
    pub fn keyed_digest(&self, key: &[u8; 32]) -> Result<CredentialDigest, Error> {
        use crate::credential::Secret;
        use blake2::Blake2bMac512;
        use blake2::digest::{KeyInit, Mac};
        let (kind, secret): (u8, &[u8]) = match self.secret() {
            Ok(Secret::Passphrase(bytes)) => (0, bytes),
            Ok(Secret::KeyFile(key)) => (1, key.as_slice()),
            Ok(Secret::RecoveryKey(key)) => (2, key.as_slice()),
            // Only an empty passphrase has no checked secret.
            Err(_) => (0, &[]),
        };
        let mut mac =
            <Blake2bMac512 as KeyInit>::new_from_slice(key).map_err(|_| Error::Internal {
                what: "BLAKE2b refused a 32-byte key".into(),
            })?;
        Mac::update(&mut mac, &[kind]);
        Mac::update(&mut mac, secret);
        let mut out = Zeroizing::new([0u8; CREDENTIAL_DIGEST_LEN]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        Ok(CredentialDigest::new(out))
    }
}

/// The key file `named`, with a warning first when others can read it.
fn key_file(
    named: NamedPath<'_>,
    source: CredentialSource,
    warn: &mut dyn FnMut(String),
) -> Result<Credential, CredentialSourceError> {
    if named.path.as_os_str().is_empty() {
        return Err(CredentialSourceError::EmptyKeyFilePath(source));
    }
    let what = format!("the key file ({})", named.named_by);
    if let Some(warning) = secret_file_warning(named.path, &what) {
        warn(warning);
    }
    Credential::key_file(named.path).map_err(|e| CredentialSourceError::KeyFile(source, e))
}

/// The first line of the passphrase file `named`, without its line end; a warning first when
/// others can read it. A FIFO or a device is refused without blocking, and the passphrase is
/// never in a buffer that grows (and leaves copies behind): [`read_secret_file`].
pub fn passphrase_file(
    named: NamedPath<'_>,
    warn: &mut dyn FnMut(String),
) -> Result<SecretBytes, CredentialSourceError> {
    let what = format!("the passphrase file ({})", named.named_by);
    if let Some(warning) = secret_file_warning(named.path, &what) {
        warn(warning);
    }
    let contents = read_secret_file(named.path, PASSPHRASE_FILE_MAX)
        .map_err(CredentialSourceError::PassphraseFile)?;
    let contents = contents.expose();
    if contents.len() > PASSPHRASE_FILE_MAX && !contents.contains(&b'\n') {
        return Err(CredentialSourceError::PassphraseFileTooLong);
    }
    let line = contents.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // Copied once into a buffer of its final size, which never moves before it is wiped.
    Ok(SecretBytes::new(line.to_vec()))
}

fn non_empty(bytes: &[u8], source: CredentialSource) -> Result<Credential, CredentialSourceError> {
    if bytes.is_empty() {
        return Err(CredentialSourceError::EmptyPassphrase(source));
    }
    Ok(Credential::passphrase(bytes))
}

#[cfg(unix)]
fn os_bytes(value: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    value.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(value: OsString) -> Vec<u8> {
    value.to_string_lossy().into_owned().into_bytes()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// The source `sources` resolves to with the variables `vars` set.
    fn winner(sources: CredentialSources<'_>, vars: &[(&str, &str)]) -> Option<CredentialSource> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        let mut warnings = Vec::new();
        match sources.resolve_in(&|name| vars.get(name).cloned(), &mut |w| warnings.push(w)) {
            Ok(Resolution::Found(_, source)) => Some(source),
            Ok(Resolution::AskRecoveryKey | Resolution::NoneFound) => None,
            Err(e) => panic!("{e}"),
        }
    }

    fn key_file_at(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("app.key");
        Credential::generate_key_file(&path).expect("generated");
        path
    }

    #[test]
    fn each_source_beats_the_ones_after_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = key_file_at(dir.path());
        let key = key.to_str().expect("utf-8");
        let phrase_file = dir.path().join("phrase.txt");
        std::fs::write(&phrase_file, "from the file\nsecond line\n").expect("written");
        let all_vars = [
            (KEY_FILE_VAR, key),
            (PASSPHRASE_VAR, "from the variable"),
            (PASSPHRASE_COMMAND_VAR, "echo from the command"),
        ];
        let named_key = NamedPath {
            path: Path::new(key),
            named_by: "--key-file",
        };
        let mut sources = CredentialSources {
            key_file: Some(named_key),
            passphrase: Some(b"given"),
            passphrase_file: Some(NamedPath {
                path: &phrase_file,
                named_by: "--passphrase-file",
            }),
            passphrase_command: Some("echo from the argument"),
            recovery_key: false,
        };
        use CredentialSource::*;
        assert_eq!(winner(sources, &all_vars), Some(KeyFileArgument));
        sources.key_file = None;
        assert_eq!(winner(sources, &all_vars), Some(PassphraseArgument));
        sources.passphrase = None;
        assert_eq!(winner(sources, &all_vars), Some(KeyFileVariable));
        assert_eq!(winner(sources, &all_vars[1..]), Some(PassphraseVariable));
        assert_eq!(winner(sources, &all_vars[2..]), Some(PassphraseFile));
        sources.passphrase_file = None;
        assert_eq!(
            winner(sources, &all_vars[2..]),
            Some(PassphraseCommandArgument)
        );
        sources.passphrase_command = None;
        assert_eq!(
            winner(sources, &all_vars[2..]),
            Some(PassphraseCommandVariable)
        );
        assert_eq!(winner(sources, &[]), None);
    }

    #[test]
    fn a_recovery_key_comes_after_the_key_files_and_before_the_passphrases() {
        let (_, text) = Credential::generate_recovery_key().expect("generated");
        let vars = [
            (RECOVERY_KEY_VAR, text.expose()),
            (PASSPHRASE_VAR, "from the variable"),
        ];
        let sources = CredentialSources::default();
        assert_eq!(
            winner(sources, &vars),
            Some(CredentialSource::RecoveryKeyVariable)
        );
        let asked = CredentialSources {
            recovery_key: true,
            ..CredentialSources::default()
        };
        let found = asked.resolve_in(
            &|name| (name == PASSPHRASE_VAR).then(|| OsString::from("p")),
            &mut |_| {},
        );
        assert!(matches!(found, Ok(Resolution::AskRecoveryKey)));
    }

    #[test]
    fn an_empty_source_is_refused_not_skipped() {
        let sources = CredentialSources::default();
        let empty_key = sources.resolve_in(
            &|name| (name == KEY_FILE_VAR).then(OsString::new),
            &mut |_| {},
        );
        assert!(matches!(
            empty_key,
            Err(CredentialSourceError::EmptyKeyFilePath(
                CredentialSource::KeyFileVariable
            ))
        ));
        let empty_phrase = sources.resolve_in(
            &|name| (name == PASSPHRASE_VAR).then(OsString::new),
            &mut |_| {},
        );
        assert!(matches!(
            empty_phrase,
            Err(CredentialSourceError::EmptyPassphrase(
                CredentialSource::PassphraseVariable
            ))
        ));
    }
}
