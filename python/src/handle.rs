//! The native vault handle: one unlocked `tokenvault::Vault`, owned by the process that opened it.
//!
//! Every operation runs with the GIL released (`Python::detach`): key derivation, reads, and
//! writes, which wait for other processes and fsync.
//!
//! Fork: a child process inherits a copy of this object, including the parent's open redb file
//! and its file locks (open-file-description locks, shared with the parent). Using or dropping
//! that copy in the child would act on the parent's locks and the parent's in-memory state, so
//! the copy refuses every operation and is never dropped there (`Drop` leaks it). The child
//! opens the vault again with `reopen_here`, deriving its own keys once.
//!
//! What unlocks a vault crosses the boundary as a `Credential` (the core's, wrapped): a
//! passphrase, or a key file read by the core from its path. Key-file bytes never become a Python
//! object.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use blake2::Blake2bMac512;
use blake2::digest::{KeyInit, Mac};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use tokenvault::{
    Credential, Error, KdfParams, Location, OpenOptions, SlotInfo, Token, Vault, VaultInfo,
};
use zeroize::Zeroizing;

use crate::convert::{fields_list, fields_tuple, token_from_fields};
use crate::errors::{KeyFileError, VaultError, to_py};
use crate::kdf_pool;

/// Which credential a handle was opened with, for telling whether a later `VaultStore`'s is the
/// same one without a key derivation (a second `VaultStore` on the same vault in one process
/// shares the handle only if it presents the same credential), and without a second copy of the
/// secret.
#[derive(Clone, PartialEq, Eq)]
enum Identity {
    /// A BLAKE2b MAC of the passphrase under a random key of this process
    /// ([`identity_key`]), compared MAC to MAC, so the comparison's timing says nothing about the
    /// passphrase. Not a plain hash: an unsalted fast hash would be a verifier anyone holding a
    /// memory dump or a core file could test guesses against (or look up precomputed), on any
    /// machine. Keyed, a guess must be made with this process's key, found in the same dump: no
    /// precomputation, and no use once the process is gone. The handle wipes it (and its
    /// credential) on `close`; the `Credential` object wipes its copy when freed.
    Passphrase(Zeroizing<[u8; 64]>),
    /// The key file's path as given (Python passes it absolute). The core reads the file and
    /// keeps its bytes to itself, so the path is what two key-file credentials are compared by.
    KeyFile(PathBuf),
}

/// What unlocks a vault: the core's `Credential` (a passphrase, or a key file the core has
/// read), kept in native memory and wiped when freed. Never shows its secret.
#[pyclass(frozen, module = "tokenvault._native", name = "Credential")]
pub(crate) struct PyCredential {
    credential: Credential,
    identity: Identity,
}

#[pymethods]
impl PyCredential {
    /// A passphrase (raw bytes, nothing trimmed). An empty one is refused when a vault is
    /// opened or created.
    #[staticmethod]
    fn passphrase(passphrase: &[u8]) -> PyResult<PyCredential> {
        Ok(PyCredential {
            credential: Credential::passphrase(passphrase),
            identity: Identity::Passphrase(passphrase_mac(passphrase)?),
        })
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
            Identity::Passphrase(_) => None,
        }
    }

    fn __repr__(&self) -> String {
        describe(&self.identity, "<tokenvault._native.Credential ", ">")
    }
}

/// `mutex`'s value, whether or not a thread panicked holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `prefix` + "passphrase" or "key file PATH" + `suffix`: never the secret.
fn describe(identity: &Identity, prefix: &str, suffix: &str) -> String {
    match identity {
        Identity::Passphrase(_) => format!("{prefix}passphrase{suffix}"),
        Identity::KeyFile(path) => format!("{prefix}key file {:?}{suffix}", path.display()),
    }
}

/// An unlocked vault, usable by the process that opened it.
#[pyclass(frozen, module = "tokenvault._native", name = "Vault")]
pub(crate) struct PyVault {
    /// `None` once closed. Locked only to clone or take the `Arc`, never across an operation.
    inner: Mutex<Option<Arc<Vault>>>,
    /// Kept to reopen the vault in a forked child, which must derive its own keys (a key file's
    /// bytes as read at the first open: the child does not read the file again). `None` once
    /// closed: dropped (and wiped) then, with the identity.
    credential: Mutex<Option<Credential>>,
    /// Which credential that is, for `accepts`; `None` once closed.
    identity: Mutex<Option<Identity>>,
    /// What the vault was opened from: a file path, or a server URL with its password (what
    /// `reopen_here` connects with). Never shown: `path` and messages show [`PyVault::shown`].
    path: PathBuf,
    owner_pid: u32,
    /// The options it was opened with (busy timeout, refresh lease), for a forked child's open.
    options: OpenOptions,
}

impl Drop for PyVault {
    fn drop(&mut self) {
        if std::process::id() != self.owner_pid {
            // A fork() copy: dropping it would close the parent's redb handle from here.
            let inherited = self
                .inner
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            std::mem::forget(inherited);
        }
    }
}

/// This process's random key for [`Identity::Passphrase`], made on first use.
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

/// The keyed BLAKE2b-512 of `passphrase` that [`Identity::Passphrase`] holds.
fn passphrase_mac(passphrase: &[u8]) -> PyResult<Zeroizing<[u8; 64]>> {
    let key = identity_key()?;
    let mut mac = <Blake2bMac512 as KeyInit>::new_from_slice(key.as_slice())
        .map_err(|_| VaultError::new_err("internal error: a 32-byte BLAKE2b key was refused"))?;
    Mac::update(&mut mac, passphrase);
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    Ok(out)
}

/// The KDF parameters Python passes as `(memory_kib, iterations, parallelism)`; the core's
/// default when it passes none.
fn kdf_params(kdf: Option<(u32, u32, u32)>) -> KdfParams {
    kdf.map_or_else(
        KdfParams::default,
        |(memory_kib, iterations, parallelism)| KdfParams {
            memory_kib,
            iterations,
            parallelism,
        },
    )
}

fn timeout_from_secs(value: f64) -> PyResult<Duration> {
    seconds("busy_timeout", value)
}

/// `value` seconds as a duration; a `ValueError` naming `name` when it is not a number >= 0.
fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{name} must be a number of seconds >= 0, got {value}"
        ))
    })
}

impl PyVault {
    fn open_impl(
        py: Python<'_>,
        path: PathBuf,
        credential: Credential,
        identity: Identity,
        create: Option<KdfParams>,
        options: OpenOptions,
    ) -> PyResult<(PyVault, bool)> {
        // A `mysql://` URL names a server database; anything else is a file.
        let location = Location::parse(&path);
        let (vault, created) = py
            .detach(|| {
                kdf_pool::run(|| match create {
                    Some(kdf) => options
                        .clone()
                        .kdf(kdf)
                        .open_or_create(location, &credential),
                    None => options
                        .open(location, &credential)
                        .map(|vault| (vault, false)),
                })
            })?
            .map_err(to_py)?;
        Ok((
            PyVault {
                inner: Mutex::new(Some(Arc::new(vault))),
                credential: Mutex::new(Some(credential)),
                identity: Mutex::new(Some(identity)),
                path,
                owner_pid: std::process::id(),
                options,
            },
            created,
        ))
    }

    /// The vault, if this process opened it and it is not closed.
    fn vault(&self) -> PyResult<Arc<Vault>> {
        if std::process::id() != self.owner_pid {
            return Err(VaultError::new_err(format!(
                "this vault handle was opened by process {} and inherited through fork(); \
                 it cannot be used here: open the vault again in this process \
                 (VaultStore does so by itself)",
                self.owner_pid
            )));
        }
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                VaultError::new_err(format!(
                    "the vault {} was closed in this process; open it again",
                    self.shown()
                ))
            })
    }

    /// Runs `op` on the vault with the GIL released.
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        op: impl FnOnce(&Vault) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        let vault = self.vault()?;
        py.detach(move || op(&vault)).map_err(to_py)
    }
}

#[pymethods]
impl PyVault {
    /// Opens the vault at `path` with `credential` (creating it first when it does not exist and
    /// `create` is true: its first key slot is then that passphrase or key file). Returns
    /// `(vault, created)`.
    #[staticmethod]
    #[pyo3(signature = (path, credential, *, create, kdf=None, busy_timeout=10.0, refresh_lease=10.0, insecure_kdf=false))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        credential: &PyCredential,
        create: bool,
        kdf: Option<(u32, u32, u32)>,
        busy_timeout: f64,
        refresh_lease: f64,
        insecure_kdf: bool,
    ) -> PyResult<(PyVault, bool)> {
        let options = OpenOptions::new()
            .busy_timeout(timeout_from_secs(busy_timeout)?)
            .refresh_lease(seconds("refresh_lease", refresh_lease)?)
            .insecure_kdf(insecure_kdf);
        let create = create.then_some(kdf_params(kdf));
        PyVault::open_impl(
            py,
            path,
            credential.credential.clone(),
            credential.identity.clone(),
            create,
            options,
        )
    }

    /// Opens the same vault again in this process, with the credential this handle was opened
    /// with: what a forked child does with the handle it inherited.
    fn reopen_here(&self, py: Python<'_>) -> PyResult<PyVault> {
        let credential = lock(&self.credential).clone();
        let identity = lock(&self.identity).clone();
        let (Some(credential), Some(identity)) = (credential, identity) else {
            return Err(VaultError::new_err(format!(
                "the vault {} was closed; open it again",
                self.shown()
            )));
        };
        let (vault, _) = PyVault::open_impl(
            py,
            self.path.clone(),
            credential,
            identity,
            None,
            self.options.clone(),
        )?;
        Ok(vault)
    }

    /// Whether `credential` unlocks this handle's vault: at once when it is the one the handle
    /// was opened with (the same passphrase, or a key file at the same path), else by asking
    /// the vault (`Vault::accepts`: any of its slots, one key derivation, without the GIL).
    fn accepts(&self, py: Python<'_>, credential: &PyCredential) -> PyResult<bool> {
        if lock(&self.identity).as_ref() == Some(&credential.identity) {
            return Ok(true);
        }
        let other = credential.credential.clone();
        self.run(py, move |v| v.accepts(other))
    }

    /// What this handle was opened with, for messages: "a passphrase" or "the key file PATH".
    #[getter]
    fn unlocked_with(&self) -> String {
        match lock(&self.identity).as_ref() {
            Some(Identity::Passphrase(_)) => "a passphrase".into(),
            Some(identity @ Identity::KeyFile(_)) => describe(identity, "the ", ""),
            None => "a credential (closed since)".into(),
        }
    }

    /// The path the vault was opened from (a server URL without its password).
    #[getter]
    fn path(&self) -> PathBuf {
        PathBuf::from(self.shown())
    }

    /// The id of the process that opened this handle.
    #[getter]
    fn owner_pid(&self) -> u32 {
        self.owner_pid
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        std::process::id() == self.owner_pid
            && self
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_none()
    }

    /// Closes the vault in this process (operations still running finish first).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        if std::process::id() != self.owner_pid {
            return Ok(());
        }
        let taken = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // Nothing of the credential outlives the handle's use: the secret and its MAC are wiped
        // now, not when Python frees this object (a `VaultStore` may keep it for long).
        drop(lock(&self.credential).take());
        drop(lock(&self.identity).take());
        py.detach(move || drop(taken));
        Ok(())
    }

    /// `find_token`: the query with its absent fields filled from the stored token it selects,
    /// or `None`. With `coordinate`, a token the SDK is about to refresh is handed to one caller
    /// at a time (`Vault::find_token_coordinated`): the others wait, without the GIL, for its save.
    #[pyo3(signature = (fields, *, coordinate=false))]
    fn find_token<'py>(
        &self,
        py: Python<'py>,
        fields: Vec<Option<String>>,
        coordinate: bool,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let query = token_from_fields(fields)?;
        let found = self.run(py, move |v| match coordinate {
            true => Ok(v.find_token_coordinated(&query)?.map(|(token, _)| token)),
            false => v.find_token(&query),
        })?;
        match found {
            Some(found) => Ok(Some(fields_tuple(py, &found)?)),
            None => Ok(None),
        }
    }

    /// Saves the token; returns it as stored, with its id (and the stored values merged into its
    /// absent fields).
    fn save_token<'py>(
        &self,
        py: Python<'py>,
        fields: Vec<Option<String>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut token = token_from_fields(fields)?;
        let token = self.run(py, move |v| v.save_token(&mut token).map(|_| token))?;
        fields_tuple(py, &token)
    }

    /// `delete_token`; `TokenNotFoundError` when no token has `id`.
    fn delete_token(&self, py: Python<'_>, id: String) -> PyResult<()> {
        self.run(py, move |v| v.delete_token(&id))
    }

    /// Every stored token, in insertion order.
    fn get_tokens<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let tokens = self.run(py, |v| v.get_tokens())?;
        fields_list(py, &tokens)
    }

    /// Deletes every token; the vault and its keys stay.
    fn delete_tokens(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |v| v.delete_tokens())
    }

    /// The token with `id`; `TokenNotFoundError` when there is none. `coordinate` as for
    /// `find_token`.
    #[pyo3(signature = (id, *, coordinate=false))]
    fn find_token_by_id<'py>(
        &self,
        py: Python<'py>,
        id: String,
        coordinate: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let token = self.run(py, move |v| match coordinate {
            true => v.find_token_by_id_coordinated(&id).map(|(token, _)| token),
            false => v.find_token_by_id(&id),
        })?;
        fields_tuple(py, &token)
    }

    /// How many tokens are stored.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        let count = self.run(py, |v| v.len())?;
        usize::try_from(count).map_err(|_| VaultError::new_err("token count over usize"))
    }

    /// Header fields and counters, authenticated.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let info = self.run(py, |v| v.info())?;
        let d = info_dict(py, &info)?;
        d.set_item("generation", info.generation)?;
        d.set_item("seal_count", info.seal_count)?;
        Ok(d)
    }

    /// Decrypts every record and checks every index entry; problems are listed, not raised.
    fn verify<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let report = self.run(py, |v| v.verify())?;
        let d = PyDict::new(py);
        d.set_item("records_ok", report.records_ok)?;
        d.set_item("index_entries", report.index_entries)?;
        d.set_item("problems", report.problems)?;
        Ok(d)
    }

    /// Imports an SDK FileStore token file in one transaction: every row or none. With
    /// `require_empty`, refuses a vault that already holds tokens. Returns the counts.
    #[pyo3(signature = (csv_path, *, require_empty))]
    fn import_filestore<'py>(
        &self,
        py: Python<'py>,
        csv_path: PathBuf,
        require_empty: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let vault = self.vault()?;
        let (rows, summary) = py.detach(move || -> PyResult<_> {
            let tokens = read_filestore(&csv_path)?;
            let rows = tokens.len();
            let summary = if require_empty {
                vault.import_into_empty(tokens)
            } else {
                vault.import(tokens)
            };
            Ok((rows, summary.map_err(to_py)?))
        })?;
        import_counts(py, rows, summary)
    }

    fn __repr__(&self) -> String {
        format!(
            "<tokenvault._native.Vault path={:?} pid={}>",
            self.shown(),
            self.owner_pid
        )
    }
}

impl PyVault {
    /// The location as messages and reprs show it: a server URL without its password.
    fn shown(&self) -> String {
        Location::parse(&self.path).to_string()
    }
}

/// Reads and parses a FileStore token file; the bytes are wiped once parsed.
fn read_filestore(path: &std::path::Path) -> PyResult<Vec<Token>> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
        // Keeps the kind, so Python raises FileNotFoundError, PermissionError, ...
        PyErr::from(std::io::Error::new(
            e.kind(),
            format!(
                "cannot read the FileStore token file {}: {e}",
                path.display()
            ),
        ))
    })?);
    tokenvault::filestore::parse(&bytes).map_err(to_py)
}

/// Creates a vault at `path` (a file or a `mysql://` URL) holding the rows of the FileStore
/// token file at `csv_path`, in one transaction: the vault with every row, or no vault at all
/// (a new file is removed, a server database keeps no vault). Raises `VaultExistsError` when a
/// vault is already there. Returns the import counts; the vault is not kept open.
#[pyfunction]
#[pyo3(signature = (path, credential, csv_path, *, kdf=None, busy_timeout=10.0, insecure_kdf=false))]
pub(crate) fn create_from_filestore<'py>(
    py: Python<'py>,
    path: PathBuf,
    credential: &PyCredential,
    csv_path: PathBuf,
    kdf: Option<(u32, u32, u32)>,
    busy_timeout: f64,
    insecure_kdf: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let options = OpenOptions::new()
        .busy_timeout(timeout_from_secs(busy_timeout)?)
        .kdf(kdf_params(kdf))
        .insecure_kdf(insecure_kdf);
    let credential = credential.credential.clone();
    let (rows, summary) = py.detach(move || -> PyResult<_> {
        let tokens = read_filestore(&csv_path)?;
        let rows = tokens.len();
        let location = Location::parse(&path);
        let (_, summary) =
            kdf_pool::run(|| options.create_with_tokens(&location, &credential, tokens))?
                .map_err(to_py)?;
        Ok((rows, summary))
    })?;
    import_counts(py, rows, summary)
}

/// The counts of an import, as `ImportCounts` in `_native.pyi`.
fn import_counts(
    py: Python<'_>,
    rows: usize,
    summary: tokenvault::ImportSummary,
) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("rows", rows)?;
    d.set_item("inserted", summary.inserted)?;
    d.set_item("updated", summary.updated)?;
    d.set_item("skipped", summary.skipped)?;
    Ok(d)
}

/// Checks that `path` is a readable FileStore token file; returns how many rows it holds.
#[pyfunction]
pub(crate) fn check_filestore_file(py: Python<'_>, path: PathBuf) -> PyResult<usize> {
    py.detach(move || read_filestore(&path).map(|tokens| tokens.len()))
}

/// What can be read from a vault file without its passphrase.
#[pyfunction]
pub(crate) fn inspect(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let info = py
        .detach(move || Vault::inspect(Location::parse(&path)))
        .map_err(to_py)?;
    info_dict(py, &info)
}

/// `text` as it may be printed: a server URL without its password (the core's rule).
#[pyfunction]
pub(crate) fn shown_location(text: PathBuf) -> String {
    Location::parse(&text).to_string()
}

/// Whether `text` names a database on a server (a URL) rather than a file.
#[pyfunction]
pub(crate) fn is_server_location(text: PathBuf) -> bool {
    Location::parse(&text).is_server()
}

/// The warning to show when users other than the owner can reach the vault file at `path`
/// (the core's check, which the CLI shows too), or `None`.
#[pyfunction]
pub(crate) fn permission_warning(path: PathBuf) -> Option<String> {
    Location::parse(&path).permission_warning()
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
    Ok(PyBytes::new(py, &passphrase))
}

/// The fields `inspect` and `Vault.info` share (`info` adds the authenticated counters).
fn info_dict<'py>(py: Python<'py>, info: &VaultInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("format_version", info.format_version)?;
    d.set_item("store_id", &info.store_id)?;
    let slots = info
        .slots
        .iter()
        .map(|slot| slot_dict(py, slot))
        .collect::<PyResult<Vec<_>>>()?;
    d.set_item("slots", slots)?;
    d.set_item("created_unix", info.created_unix)?;
    d.set_item("token_count", info.token_count)?;
    d.set_item("file_size", info.file_size)?;
    Ok(d)
}

/// One key slot, as `SlotInfo` in `_native.pyi`: `kdf` is `None` for a key-file slot.
fn slot_dict<'py>(py: Python<'py>, slot: &SlotInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", &slot.name)?;
    d.set_item("kind", slot.kind.as_str())?;
    d.set_item("created_unix", slot.created_unix)?;
    let kdf = match &slot.kdf {
        Some(kdf) => {
            let k = PyDict::new(py);
            k.set_item("memory_kib", kdf.memory_kib)?;
            k.set_item("iterations", kdf.iterations)?;
            k.set_item("parallelism", kdf.parallelism)?;
            Some(k)
        }
        None => None,
    };
    d.set_item("kdf", kdf)?;
    Ok(d)
}
