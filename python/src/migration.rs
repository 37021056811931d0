//! Moving an SDK FileStore token file into a vault: the file is read and parsed once, here
//! (`tokenvault::filestore::parse`), and the core's `OpenOptions::create_or_import` decides the
//! rest — a new vault holding every row in one transaction, or an import into an existing vault
//! that must hold no token. `tokenvault/migration.py` reports what happened.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokenvault::{Location, OpenOptions, Token};
use zeroize::Zeroizing;

use crate::credential::PyCredential;
use crate::errors::to_py;
use crate::kdf_pool;
use crate::vault::{kdf_params, timeout_from_secs};

/// Reads and parses a FileStore token file; the bytes are wiped once parsed.
pub(crate) fn read_filestore(path: &Path) -> PyResult<Vec<Token>> {
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

/// Moves the rows of the FileStore token file at `csv_path` into the vault at `path` (a file or
/// a `mysql://` URL), in one call: the file is read and checked first (a bad file leaves
/// nothing behind), then `OpenOptions::create_or_import` creates the vault holding every row in
/// one transaction, or — a vault being there — imports them into it if it holds no token
/// (`VaultError` "already holds N tokens" otherwise, changing nothing). Returns the counts and
/// `created`; the vault is closed again.
///
/// The vault must not be open in this process (the core allows one handle per file and
/// process): `migration.py` imports through that handle when it is.
#[pyfunction]
#[pyo3(signature = (path, credential, csv_path, *, kdf=None, busy_timeout=10.0, insecure_kdf=false))]
pub(crate) fn migrate_filestore<'py>(
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
    let (rows, summary, created) = py.detach(move || -> PyResult<_> {
        let tokens = read_filestore(&csv_path)?;
        let rows = tokens.len();
        let location = Location::parse(&path);
        let (vault, summary, created) =
            kdf_pool::run(|| options.create_or_import(&location, &credential, tokens, true))?
                .map_err(to_py)?;
        drop(vault);
        Ok((rows, summary, created))
    })?;
    let counts = import_counts(py, rows, summary)?;
    counts.set_item("created", created)?;
    Ok(counts)
}

/// The counts of an import, as `ImportCounts` in `_native.pyi`.
pub(crate) fn import_counts(
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
