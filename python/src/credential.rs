//! What unlocks a vault, as Python holds it: the core's `Credential` (a passphrase, a key file
//! read by the core, or a recovery key), wrapped with an identity that tells whether two
//! credentials are the same one without a key derivation; and where a credential comes from,
//! which is the core's order (`tokenvault::CredentialSources`), read here for `_config.py`.
//! Key-file bytes never become a Python object.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::OnceLock;

use pyo3::exceptions::{PyOSError, PyUserWarning};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tokenvault::{
    Credential, CredentialDigest, CredentialSource, CredentialSourceError, CredentialSources,
    Error, NamedPath, Resolution,
};
use zeroize::Zeroizing;

use crate::convert::seconds;
use crate::errors::{KeyFileError, VaultError, to_py};

/// Which credential a handle was opened with, for telling whether a later `VaultStore`'s is the
/// same one without a key derivation (a second `VaultStore` on the same vault in one process
/// shares the handle only if it presents the same credential), and without a second copy of the
/// secret.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    /// A passphrase or a recovery key (`kind`, as `Credential::kind` names it): a BLAKE2b MAC of
    /// it under a random key of this process
    /// ([`identity_key`]), compared MAC to MAC, so the comparison's timing says nothing about the
    /// passphrase. Not a plain hash: an unsalted fast hash would be a verifier anyone holding a
    /// memory dump or a core file could test guesses against (or look up precomputed), on any
    /// machine. Keyed, a guess must be made with this process's key, found in the same dump: no
    /// precomputation, and no use once the process is gone. The handle wipes it (and its
    /// credential) on `close`; the `Credential` object wipes its copy when freed.
    Digest {
        kind: &'static str,
        mac: CredentialDigest,
    },
    /// The key file's path as given (Python passes it absolute). The core reads the file and
    /// keeps its bytes to itself, so the path is what two key-file credentials are compared by.
    KeyFile(PathBuf),
}

/// What unlocks a vault: the core's `Credential` (a passphrase, or a key file the core has
/// read), kept in native memory and wiped when freed. Never shows its secret.
#[pyclass(frozen, module = "tokenvault._native", name = "Credential")]
pub(crate) struct PyCredential {
    pub(crate) credential: Credential,
    pub(crate) identity: Identity,
}

#[pymethods]
impl PyCredential {
    /// A passphrase (raw bytes, nothing trimmed). An empty one is refused when a vault is
    /// opened or created.
    #[staticmethod]
    fn passphrase(passphrase: &[u8]) -> PyResult<PyCredential> {
        PyCredential::with_digest(Credential::passphrase(passphrase))
    }

    /// The key file at `path`, read now by the core (`Credential::key_file`: exactly 32 bytes).
    /// `KeyFileError` when it cannot be read or has another length; its message ends with
    /// `(source)` when a source is given, e.g. the variable that named the file.
    #[staticmethod]
    #[pyo3(signature = (path, *, source=None))]
    fn key_file(py: Python<'_>, path: PathBuf, source: Option<&str>) -> PyResult<PyCredential> {
        let credential =
            py.detach(|| Credential::key_file(&path))
                .map_err(|e| match (e, source) {
                    (e @ Error::KeyFile { .. }, Some(source)) => {
                        KeyFileError::new_err(format!("{e} ({source})"))
                    }
                    (e, _) => to_py(e),
                })?;
        Ok(PyCredential {
            credential,
            identity: Identity::KeyFile(path),
        })
    }

    /// `"passphrase"` or `"key file"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.credential.kind()
    }

    /// The key file's path, or `None` for a passphrase.
    #[getter]
    fn key_file_path(&self) -> Option<PathBuf> {
        match &self.identity {
            Identity::KeyFile(path) => Some(path.clone()),
            Identity::Digest { .. } => None,
        }
    }

    fn __repr__(&self) -> String {
        describe(&self.identity, "<tokenvault._native.Credential ", ">")
    }
}

/// `prefix` + "passphrase", "recovery key" or "key file PATH" + `suffix`: never the secret.
pub(crate) fn describe(identity: &Identity, prefix: &str, suffix: &str) -> String {
    match identity {
        Identity::Digest { kind, .. } => format!("{prefix}{kind}{suffix}"),
        Identity::KeyFile(path) => format!("{prefix}key file {:?}{suffix}", path.display()),
    }
}

/// This process's random key for [`Identity::Digest`], made on first use.
fn identity_key() -> PyResult<&'static Zeroizing<[u8; 32]>> {
    static KEY: OnceLock<Zeroizing<[u8; 32]>> = OnceLock::new();
    if let Some(key) = KEY.get() {
        return Ok(key);
    }
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut_slice())
        .map_err(|e| PyOSError::new_err(format!("no randomness from the system: {e}")))?;
    Ok(KEY.get_or_init(|| key))
}

impl PyCredential {
    /// `credential` with the keyed digest that identifies it (a key file is identified by its
    /// path instead: [`PyCredential::key_file`]).
    fn with_digest(credential: Credential) -> PyResult<PyCredential> {
        let mac = credential.keyed_digest(identity_key()?).map_err(to_py)?;
        let identity = Identity::Digest {
            kind: credential.kind(),
            mac,
        };
        Ok(PyCredential {
            credential,
            identity,
        })
    }
}

/// The credential from the first source that is set, in the core's order
/// (`tokenvault::CredentialSources::resolve`): `key_file` (named `key_file=`), `passphrase`,
/// then `TOKENVAULT_KEY_FILE`, `TOKENVAULT_RECOVERY_KEY`, `TOKENVAULT_PASSPHRASE`,
/// `TOKENVAULT_PASSPHRASE_COMMAND`; `None` when none is set. A secret file others can read is
/// used, after a `UserWarning` (`stacklevel` as for `warnings.warn` in the Python caller).
/// Runs without the GIL: a passphrase command may take a while.
#[pyfunction]
#[pyo3(signature = (key_file, passphrase, *, stacklevel=1))]
pub(crate) fn credential_from_sources(
    py: Python<'_>,
    key_file: Option<PathBuf>,
    passphrase: Option<Vec<u8>>,
    stacklevel: i32,
) -> PyResult<Option<PyCredential>> {
    let passphrase = passphrase.map(Zeroizing::new);
    let mut warnings = Vec::new();
    let resolved = py.detach(|| {
        let sources = CredentialSources {
            key_file: key_file.as_deref().map(|path| NamedPath {
                path,
                named_by: KEY_FILE_ARGUMENT,
            }),
            passphrase: passphrase.as_ref().map(|p| p.as_slice()),
            ..CredentialSources::default()
        };
        sources.resolve(&mut |warning| warnings.push(warning))
    });
    // Shown before an error too, as the CLI prints them: the file was used.
    for warning in warnings {
        let message = CString::new(warning)
            .map_err(|_| VaultError::new_err("a warning held a NUL character"))?;
        let category = py.get_type::<PyUserWarning>();
        PyErr::warn(py, category.as_any(), &message, stacklevel)?;
    }
    let (credential, source) = match resolved.map_err(source_error)? {
        Resolution::Found(credential, source) => (credential, source),
        Resolution::AskRecoveryKey | Resolution::NoneFound => return Ok(None),
    };
    match source {
        CredentialSource::KeyFileArgument | CredentialSource::KeyFileVariable => {
            let named = match key_file {
                Some(path) => path,
                None => std::env::var_os(tokenvault::KEY_FILE_VAR)
                    .map(PathBuf::from)
                    .unwrap_or_default(),
            };
            // Absolute: the path is what later opens compare (`Identity::KeyFile`).
            let path = std::path::absolute(&named).unwrap_or(named);
            Ok(Some(PyCredential {
                credential,
                identity: Identity::KeyFile(path),
            }))
        }
        _ => PyCredential::with_digest(credential).map(Some),
    }
}

/// How a key file passed as an argument is named in messages.
const KEY_FILE_ARGUMENT: &str = "key_file=";

/// How a source is named in Python's messages: the argument, or the variable.
fn source_name(source: CredentialSource) -> &'static str {
    match source {
        CredentialSource::KeyFileArgument => KEY_FILE_ARGUMENT,
        CredentialSource::PassphraseArgument => "passphrase=",
        source => source.variable().unwrap_or("a credential source"),
    }
}

/// A source that is set but unusable, as Python raises it.
fn source_error(error: CredentialSourceError) -> PyErr {
    match error {
        CredentialSourceError::EmptyKeyFilePath(CredentialSource::KeyFileVariable) => {
            KeyFileError::new_err(format!(
                "{} is empty: set it to the key file's path, or unset it to use a passphrase",
                tokenvault::KEY_FILE_VAR
            ))
        }
        CredentialSourceError::EmptyKeyFilePath(source) => KeyFileError::new_err(format!(
            "{} is empty: give the key file's path",
            source_name(source)
        )),
        CredentialSourceError::KeyFile(source, e @ Error::KeyFile { .. }) => {
            KeyFileError::new_err(format!("{e} ({})", source_name(source)))
        }
        CredentialSourceError::KeyFile(_, e)
        | CredentialSourceError::RecoveryKey(e)
        | CredentialSourceError::PassphraseCommand(_, e) => to_py(e),
        CredentialSourceError::EmptyPassphrase(source) => VaultError::new_err(format!(
            "the passphrase from {} is empty; an empty passphrase protects nothing",
            source_name(source)
        )),
        e => VaultError::new_err(e.to_string()),
    }
}

/// The warning to show when users other than the owner can read the file at `path`, which
/// holds a secret (`what` names it, e.g. "the key file (TOKENVAULT_KEY_FILE)"): the core's check,
/// which the CLI shows for `--key-file` too. `None` when the file is private or cannot be examined.
#[pyfunction]
pub(crate) fn secret_file_warning(path: PathBuf, what: &str) -> Option<String> {
    tokenvault::secret_file_warning(&path, what)
}

/// The passphrase `command` prints (the core's `passphrase_from_command`: `sh -c`, stdin
/// `/dev/null`, one trailing line end removed, stopped after `timeout` seconds), run without the
/// GIL. A failure is a `VaultError` naming the exit status, never the output.
#[pyfunction]
#[pyo3(signature = (command, timeout=None))]
pub(crate) fn passphrase_from_command<'py>(
    py: Python<'py>,
    command: &str,
    timeout: Option<f64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let timeout = match timeout {
        Some(value) => seconds("timeout", value)?,
        None => tokenvault::PASSPHRASE_COMMAND_TIMEOUT,
    };
    let passphrase = py
        .detach(|| tokenvault::passphrase_from_command(command, timeout))
        .map_err(to_py)?;
    Ok(PyBytes::new(py, passphrase.expose()))
}
