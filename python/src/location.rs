//! A vault's location from Python: what can be read without its passphrase (`inspect`, and
//! the header fields `Vault.info` shares), how a location is shown (a server URL without its
//! password), whether it is a server, and whether others can read the file. The rules are the
//! core's (`Location`, `Vault::inspect`); this module only converts.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tokenvault::{Location, SlotInfo, Vault, VaultInfo};

use crate::errors::to_py;

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

/// The fields `inspect` and `Vault.info` share (`info` adds the authenticated counters).
pub(crate) fn info_dict<'py>(py: Python<'py>, info: &VaultInfo) -> PyResult<Bound<'py, PyDict>> {
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
