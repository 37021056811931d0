//! The native vault handle: one unlocked `tokenvault::Vault`, owned by the process that opened
//! it.
//!
//! Every operation runs with the GIL released (`Python::detach`): key derivation, reads, and
//! writes, which wait for other processes and fsync.
//!
//! Fork: a child process inherits a copy of this object, including the parent's open redb file
//! and its file locks (open-file-description locks, shared with the parent). Using or dropping
//! that copy in the child would act on the parent's locks and the parent's in-memory state, so
//! the copy refuses every operation and is never dropped there (`Drop` leaks it). The child
//! opens the vault again with `reopen_here`, deriving its own keys once.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use tokenvault::{Credential, Error, KdfParams, Location, OpenOptions, Vault};

use crate::convert::{fields_list, fields_tuple, seconds, token_from_fields};
use crate::credential::{Identity, PyCredential, describe};
use crate::errors::{VaultError, to_py};
use crate::kdf_pool;
use crate::location::info_dict;
use crate::migration::{import_counts, read_filestore};

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

/// `mutex`'s value, whether or not a thread panicked holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The KDF parameters Python passes as `(memory_kib, iterations, parallelism)`; the core's
/// default when it passes none.
pub(crate) fn kdf_params(kdf: Option<(u32, u32, u32)>) -> KdfParams {
    kdf.map_or_else(
        KdfParams::default,
        |(memory_kib, iterations, parallelism)| KdfParams {
            memory_kib,
            iterations,
            parallelism,
        },
    )
}

pub(crate) fn timeout_from_secs(value: f64) -> PyResult<Duration> {
    seconds("busy_timeout", value)
}

impl PyVault {
    pub(crate) fn open_impl(
        py: Python<'_>,
        path: PathBuf,
        credential: Credential,
        identity: Identity,
        create: Option<KdfParams>,
        options: OpenOptions,
    ) -> PyResult<(PyVault, bool)> {
        // A `mysql://` or `postgres://` URL names a server database; anything else is a file.
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
            Some(Identity::Digest { kind, .. }) => format!("a {kind}"),
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
