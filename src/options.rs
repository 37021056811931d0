//! How a vault is opened: the busy timeout, whether one process holds it alone, the integrity
//! check, and the key-derivation cost of a vault being created. The entry points that take these
//! options (open, create, open-or-create, create-with-tokens) live in `store/open.rs`; the
//! engines read the options they need when `engines::connect` builds them.

use std::time::Duration;

use crate::crypto::KdfParams;
use crate::lease::{DEFAULT_REFRESH_LEASE, MAX_REFRESH_LEASE};

/// How long a write waits for another process to release the vault before failing with
/// [`Error::Busy`](crate::Error::Busy), unless [`OpenOptions::busy_timeout`] says otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for opening or creating a vault, and the entry points that use them:
/// [`open`](OpenOptions::open), [`create`](OpenOptions::create),
/// [`open_or_create`](OpenOptions::open_or_create) and
/// [`create_with_tokens`](OpenOptions::create_with_tokens).
///
/// ```
/// use std::time::Duration;
/// use tokenvault::{KdfParams, Location, OpenOptions};
///
/// # fn main() -> Result<(), tokenvault::Error> {
/// let options = OpenOptions::new()
///     .busy_timeout(Duration::from_secs(30))
///     .kdf(KdfParams::insecure_for_tests()) // production code keeps the default,
///     .insecure_kdf(true); // and never says this
/// let (vault, created) = options.open_or_create(Location::memory(), "correct horse")?;
/// assert!(created && vault.is_empty()?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions {
    pub(crate) busy_timeout: Duration,
    pub(crate) single_process: bool,
    pub(crate) check_integrity: bool,
    pub(crate) kdf: KdfParams,
    pub(crate) insecure_kdf: bool,
    pub(crate) allow_weak_key_file: bool,
    pub(crate) refresh_lease: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            single_process: false,
            check_integrity: false,
            kdf: KdfParams::default(),
            insecure_kdf: false,
            allow_weak_key_file: false,
            refresh_lease: DEFAULT_REFRESH_LEASE,
        }
    }
}

impl OpenOptions {
    /// Default options: a busy timeout of [`DEFAULT_BUSY_TIMEOUT`], shared by several processes,
    /// the integrity check after an unclean shutdown only, and [`KdfParams::default`] for a vault
    /// created with them.
    pub fn new() -> Self {
        OpenOptions::default()
    }

    /// How long an operation waits for other processes (their write transactions, their file
    /// locks, a vault another process is still creating) before [`Error::Busy`](crate::Error::Busy).
    /// It bounds waits, not work: key derivation and the integrity check take the time they
    /// take.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Holds the vault for this handle alone (default: no, several processes share it).
    ///
    /// The file is locked whole for the handle's life (redb's exclusive mode), so a lookup skips
    /// the cross-process locking every transaction otherwise takes (`find_token` about 30%
    /// faster: docs/BENCHMARKS.md). Every other open of the file, from any process and in either
    /// mode, fails with [`Error::AlreadyOpen`](crate::Error::AlreadyOpen) until this handle is
    /// dropped. For one process that keeps the vault open, such as a single-worker service. An
    /// in-memory location and a backend of your own are always held this way.
    pub fn single_process(mut self, yes: bool) -> Self {
        self.single_process = yes;
        self
    }

    /// Whether every open of a vault (a file, or a backend of your own) first verifies every
    /// page's checksum with redb's integrity check (default: no).
    ///
    /// By default the check runs when it buys something: when an open finds the file left by a
    /// crash (redb's recovery flag set, no writer alive), as redb's own recovery, and in
    /// [`Vault::verify`](crate::Vault::verify), on a copy of the file in memory. An open
    /// otherwise only reads the file, and a handle opens it for writing at its first write
    /// (docs/RELIABILITY.md §Reads write nothing). With `true`, every open runs the check, which
    /// costs time proportional to the file (docs/BENCHMARKS.md) and opens the file for writing at
    /// once; damage made to the file outside tokenvault while nobody had it open is then
    /// [`Error::Corrupted`](crate::Error::Corrupted) at open, instead of a typed error at the read
    /// that meets it, or a lookup that finds nothing, which [`Vault::verify`](crate::Vault::verify)
    /// reports. For storage that is not trusted.
    pub fn check_integrity(mut self, yes: bool) -> Self {
        self.check_integrity = yes;
        self
    }

    /// How long a refresh lease taken through this handle stands without its holder's save
    /// (default [`DEFAULT_REFRESH_LEASE`], 10 s): past it, a caller waiting in
    /// [`Vault::find_token_coordinated`](crate::Vault::find_token_coordinated) takes the lease
    /// over. A holder on the same host that has ended is taken over at once. It is also the
    /// longest such a caller waits for any one holder's lease, measured on its own clock,
    /// whatever the lease's record says. At most [`MAX_REFRESH_LEASE`] (60 s): a longer
    /// duration is cut to it.
    pub fn refresh_lease(mut self, duration: Duration) -> Self {
        self.refresh_lease = duration.min(MAX_REFRESH_LEASE);
        self
    }

    /// The key-derivation cost of a vault created with these options (default:
    /// [`KdfParams::default`], RFC 9106's second recommendation). An existing vault keeps its own.
    /// Parameters below the floor ([`KdfParams::meets_floor`]) are refused with
    /// [`Error::KdfBelowFloor`](crate::Error::KdfBelowFloor) unless [`insecure_kdf`](Self::insecure_kdf).
    pub fn kdf(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// Allows a new passphrase key cheaper than the floor (default: no): a vault created with
    /// these options, or a passphrase changed through a handle opened with them
    /// ([`Vault::change_passphrase`](crate::Vault::change_passphrase)), may then use parameters
    /// below RFC 9106's second recommendation ([`KdfParams::meets_floor`]). Such a key can be
    /// guessed orders of magnitude faster: for tests and throwaway vaults only. Opening a vault
    /// needs no opt-in whatever its parameters; Argon2's minimums and the caps apply regardless.
    pub fn insecure_kdf(mut self, yes: bool) -> Self {
        self.insecure_kdf = yes;
        self
    }

    /// Allows a new key slot, or a new vault, with a key file whose bytes do not look random
    /// (default: no; else [`Error::WeakKeyFile`](crate::Error::WeakKeyFile)): all of them text
    /// characters, or fewer than 16 distinct values among the 32. A key file gets no key
    /// derivation, so such a key, typed or chosen by a person, is found by an offline search at
    /// hundreds of thousands of guesses a second. For tests and migrations of keys that are known
    /// to be random despite how they look; never for a key a person made up. Opening a vault
    /// needs no opt-in, whatever its key file.
    pub fn allow_weak_key_file(mut self, yes: bool) -> Self {
        self.allow_weak_key_file = yes;
        self
    }

    /// Options for tests and fuzzing: [`KdfParams::insecure_for_tests`] (8 KiB, 1 pass, 1 lane)
    /// with the explicit opt-ins [`insecure_kdf`](Self::insecure_kdf) and
    /// [`allow_weak_key_file`](Self::allow_weak_key_file) (tests name keys like `[7; 32]`).
    /// Never protect real secrets with a vault created this way.
    pub fn insecure_for_tests() -> Self {
        OpenOptions::new()
            .kdf(KdfParams::insecure_for_tests())
            .insecure_kdf(true)
            .allow_weak_key_file(true)
    }
}
