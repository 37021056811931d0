//! Runs passphrase key derivation on a private thread pool.
//!
//! The core derives keys with Argon2's `parallel` feature, which computes the lanes on rayon's
//! *global* pool unless the call runs inside another pool. The global pool's threads do not
//! survive `fork()`: a forked child (gunicorn `--preload`, celery's prefork pool,
//! `multiprocessing` with the fork start method) that reopens the vault would queue the lanes on
//! a pool with no threads and wait forever. A pool built for the call and dropped after it is
//! never inherited half-alive, so opening works the same in a parent and in its children.

use pyo3::PyResult;
use pyo3::exceptions::PyRuntimeError;

/// Runs `f` (which derives a key) with rayon work confined to a fresh pool.
pub(crate) fn run<T: Send>(f: impl FnOnce() -> T + Send) -> PyResult<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(tokenvault::KdfParams::MAX_PARALLELISM as usize);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("tokenvault-kdf-{i}"))
        .build()
        .map_err(|e| {
            PyRuntimeError::new_err(format!(
                "could not start threads for key derivation ({e}); check the process's thread limit"
            ))
        })?;
    Ok(pool.install(f))
}
