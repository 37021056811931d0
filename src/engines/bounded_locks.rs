//! File locks with a bounded wait.
//!
//! In multi-writer mode redb takes some file locks with a *blocking* call: a writable open waits
//! for the write lock of any transaction another process has open, however long that lasts (a
//! large import, a rotation, a process stopped mid-write). Wrapping redb's own `FileBackend`
//! turns each blocking lock into try-and-back-off up to the busy timeout, then a typed
//! [`Error::Busy`](crate::Error::Busy): no vault call waits longer than the timeout for a lock.
//! Every other method, the non-blocking lock methods included, is the file backend's own, so the
//! locks themselves (and their release by the OS when a process dies) are redb's.
//!
//! The waits use the crate's one wait-and-retry loop, `backoff::with_backoff`.

use std::fmt;
use std::io;
use std::ops::Bound;
use std::time::Duration;

use redb::{BackendError, StorageBackend};

use crate::backoff::with_backoff;

/// A storage backend (redb's file backend, or a caller's) whose blocking lock methods give up
/// after `timeout`.
#[derive(Debug)]
pub(crate) struct BoundedLocks {
    inner: Box<dyn StorageBackend>,
    timeout: Duration,
}

/// The payload of the `io::Error` a lock wait that ran out returns; [`lock_timeout`] finds it
/// again after redb has passed the error up.
#[derive(Debug)]
struct LockTimeout {
    waited: Duration,
}

impl fmt::Display for LockTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a file lock was still held elsewhere after {:?}",
            self.waited
        )
    }
}

impl std::error::Error for LockTimeout {}

/// How long a lock wait lasted, if `e` is one that ran out.
pub(crate) fn lock_timeout(e: &io::Error) -> Option<Duration> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LockTimeout>())
        .map(|t| t.waited)
}

impl BoundedLocks {
    pub(crate) fn new(inner: impl StorageBackend, timeout: Duration) -> Self {
        BoundedLocks {
            inner: Box::new(inner),
            timeout,
        }
    }

    /// A caller's backend, already boxed.
    pub(crate) fn boxed(inner: Box<dyn StorageBackend>, timeout: Duration) -> Self {
        BoundedLocks { inner, timeout }
    }

    /// Retries `attempt` (a non-blocking lock) with backoff until it succeeds or the time is up.
    /// A backend without non-blocking locks falls back to `blocking`.
    fn wait(
        &self,
        attempt: impl Fn() -> Result<bool, BackendError>,
        blocking: impl FnOnce() -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        let mut unsupported = false;
        with_backoff(
            self.timeout,
            || match attempt() {
                Ok(true) => Ok(Some(())),
                Ok(false) => Ok(None),
                Err(BackendError::Unsupported) => {
                    unsupported = true;
                    Ok(Some(()))
                }
                Err(e) => Err(e),
            },
            |waited| {
                BackendError::Io(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    LockTimeout { waited },
                ))
            },
        )?;
        if unsupported { blocking() } else { Ok(()) }
    }
}

impl StorageBackend for BoundedLocks {
    fn len(&self) -> Result<u64, io::Error> {
        self.inner.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
        self.inner.read(offset, out)
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> Result<(), io::Error> {
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        self.inner.write(offset, data)
    }

    fn close(&self) -> Result<(), io::Error> {
        self.inner.close()
    }

    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.try_lock_range(start, end)
    }

    fn try_lock_shared_range(
        &self,
        start: Bound<u64>,
        end: Bound<u64>,
    ) -> Result<bool, BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.wait(
            || self.inner.try_lock_range(start, end),
            || self.inner.lock_range(start, end),
        )
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.wait(
            || self.inner.try_lock_shared_range(start, end),
            || self.inner.lock_shared_range(start, end),
        )
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
        self.inner.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
        self.inner.query_lock_range(start, end)
    }
}
