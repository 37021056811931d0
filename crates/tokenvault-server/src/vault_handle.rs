//! The one unlocked vault the service holds, and what replaces it: SIGHUP re-reads the
//! credential; a handle whose key slot another process removed (`Error::KeyChanged`) is
//! replaced by one opened with the latest credential that unlocks the vault.
//!
//! Invariant: at most one `Vault` on the location is open in this process at any time (a
//! second open of the same file in one process is `Error::AlreadyOpen`), so a reopen first
//! takes the handle out of service, waits for the requests still using it, and only then opens
//! the new one. Meanwhile requests are answered 503 `vault_unavailable`.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokenvault::{Credential, Location, OpenOptions, Vault};

use crate::errors::ApiError;

/// Where the credential comes from when the service reads it again (SIGHUP). It never prompts:
/// a credential typed at start cannot be typed again, and the function says so.
pub type CredentialReader = Box<dyn Fn() -> Result<Credential, String> + Send + Sync>;

/// How to open the vault again: its location, the options it was opened with, and where the
/// credential comes from.
pub struct Opener {
    pub location: Location,
    pub options: OpenOptions,
    pub read_credential: CredentialReader,
}

/// How long a reopen waits for the requests that still use the old handle: longer than the
/// longest wait of a coordinated find for another caller's lease.
const DRAIN_FOR_REOPEN: Duration = Duration::from_secs(70);

pub(crate) struct VaultHandle {
    current: RwLock<Option<Arc<Vault>>>,
    opener: Opener,
    /// The latest credential known to unlock the vault (the start's, or one SIGHUP read).
    credential: Mutex<Credential>,
    /// One reopen at a time.
    reopening: Mutex<()>,
}

impl VaultHandle {
    pub(crate) fn new(vault: Vault, credential: Credential, opener: Opener) -> Self {
        VaultHandle {
            current: RwLock::new(Some(Arc::new(vault))),
            opener,
            credential: Mutex::new(credential),
            reopening: Mutex::new(()),
        }
    }

    /// Whether the vault is on a database server (a lookup is a network round trip).
    pub(crate) fn is_server(&self) -> bool {
        self.opener.location.is_server()
    }

    /// The vault, or 503 while it is being replaced (or could not be).
    pub(crate) fn get(&self) -> Result<Arc<Vault>, ApiError> {
        read(&self.current)
            .clone()
            .ok_or_else(ApiError::vault_unavailable)
    }

    /// SIGHUP: reads the credential again. One that unlocks the vault is kept for the next
    /// reopen (and used at once when the vault is out of service); one that does not is
    /// reported and dropped, and the service goes on with what it has. Blocking (a KDF).
    pub(crate) fn reload_credential(&self) -> Result<&'static str, String> {
        let credential = (self.opener.read_credential)()?;
        match read(&self.current).clone() {
            Some(vault) => match vault.accepts(credential.clone()) {
                Ok(true) => {
                    *lock(&self.credential) = credential;
                    Ok("the credential was read again and unlocks the vault")
                }
                Ok(false) => Err(
                    "the credential read again does not unlock the vault; the service keeps the one it has"
                        .to_string(),
                ),
                Err(e) => Err(format!("the credential could not be checked: {e}")),
            },
            None => {
                *lock(&self.credential) = credential;
                self.reopen();
                match read(&self.current).is_some() {
                    true => Ok("the vault was opened again with the credential read again"),
                    false => Err("the vault could not be opened again; see the log".to_string()),
                }
            }
        }
    }

    /// Replaces the handle after `Error::KeyChanged`: out of service, drained, reopened with
    /// the latest credential. Blocking. A reopen already under way makes this a no-op.
    pub(crate) fn reopen(&self) {
        let Ok(_one_at_a_time) = self.reopening.try_lock() else {
            return;
        };
        let taken = write(&self.current).take();
        if let Some(mut old) = taken {
            let until = Instant::now() + DRAIN_FOR_REOPEN;
            loop {
                match Arc::try_unwrap(old) {
                    Ok(vault) => {
                        drop(vault);
                        break;
                    }
                    Err(still_used) if Instant::now() >= until => {
                        tracing::error!(
                            "the vault could not be reopened: requests still used the old handle after {DRAIN_FOR_REOPEN:?}; keeping it"
                        );
                        *write(&self.current) = Some(still_used);
                        return;
                    }
                    Err(still_used) => {
                        old = still_used;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
        }
        let credential = lock(&self.credential).clone();
        match self
            .opener
            .options
            .clone()
            .open(self.opener.location.clone(), credential)
        {
            Ok(vault) => {
                tracing::info!("the vault was opened again");
                *write(&self.current) = Some(Arc::new(vault));
            }
            Err(e) => tracing::error!(
                error = %e,
                "the vault could not be opened again; requests are answered 503 vault_unavailable until a SIGHUP brings a credential that unlocks it"
            ),
        }
    }
}

// A poisoned lock means a thread panicked while holding it; the data (an Option<Arc>, a
// credential) is never left half-changed, so it is used as it is.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
