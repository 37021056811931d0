//! The refresh lease: when the SDK is about to refresh a token, and who may do it.
//!
//! The Zoho SDK refreshes an access token on its own in every worker that finds it expired, and
//! Zoho's limits (10 access tokens per refresh token per 10 minutes, 15 live ones) turn N workers
//! refreshing at once into failed requests. A lease, kept in the vault next to the token, lets one
//! caller refresh while the others wait for its save (`store/refresh.rs` runs that protocol;
//! FORMAT.md §Leases specifies the record). This module holds the pure parts: the SDK's refresh
//! rule, the lease record, who holds it, and when a lease no longer stands.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::crypto;
use crate::error::Error;
use crate::token::{Secret, Token};

/// How long a lease stands without its holder's save, unless
/// [`OpenOptions::refresh_lease`](crate::OpenOptions::refresh_lease) says otherwise. A refresh is
/// one HTTPS round trip to Zoho's accounts server (hundreds of milliseconds), so 10 s is far
/// beyond a live holder's need, while a caller blocked behind a holder that died on another host
/// (where its death cannot be seen) still answers well within a web worker's usual 30 s timeout.
/// On the same host a dead holder is seen at once.
pub const DEFAULT_REFRESH_LEASE: Duration = Duration::from_secs(10);

/// The longest a refresh lease may stand, whoever wrote it: a longer
/// [`OpenOptions::refresh_lease`](crate::OpenOptions::refresh_lease) is cut to this, a stored
/// lease that claims more is treated as absent, and no caller waits longer than this for one
/// lease (FORMAT.md §Leases). A refresh is one HTTPS round trip; a minute is far beyond it.
pub const MAX_REFRESH_LEASE: Duration = Duration::from_secs(60);

/// How far in the future a lease's start may lie (another host's clock running ahead) and the
/// lease still stand. Hosts that share a vault keep their clocks within this of each other
/// (NTP keeps them within milliseconds); a lease taken later than this is treated as absent.
pub(crate) const CLOCK_SKEW_ALLOWANCE: Duration = Duration::from_secs(1);

/// The SDK's margin: it refreshes when `int(expiry_time) - int(time.time() * 1000) < 5000`.
const SDK_MARGIN_MS: i128 = 5000;

/// Whether the Zoho SDK (`OAuthToken.get_token`, zohocrmsdk8-0 7.0.0) refreshes or exchanges
/// `token`, found for it by the store, at `now_ms` (Unix milliseconds). Exactly its rule:
/// - no access token (absent or empty) but a refresh or grant token: a refresh, or an exchange;
/// - else an expiry that Python's `int()` reads, less than 5000 ms after `now_ms`: a refresh.
///
/// An expiry `int()` cannot read makes the SDK raise before any HTTP call, so no refresh is due.
pub(crate) fn refresh_due(token: &Token, now_ms: u64) -> bool {
    let present = |s: &Option<Secret>| s.as_ref().is_some_and(|s| !s.expose().is_empty());
    if !present(&token.access_token) {
        return present(&token.refresh_token) || present(&token.grant_token);
    }
    match token.expiry_time.as_deref().filter(|e| !e.is_empty()) {
        Some(expiry) => python_int(expiry).is_some_and(|e| e - i128::from(now_ms) < SDK_MARGIN_MS),
        None => false,
    }
}

impl Token {
    /// Whether the Zoho SDK would refresh (or exchange) this token if a store returned it now:
    /// the rule a coordinated find applies ([`Vault::find_token_coordinated`]), for a front end
    /// that looks a token up first and coordinates only when it must.
    ///
    /// [`Vault::find_token_coordinated`]: crate::Vault::find_token_coordinated
    pub fn refresh_due(&self) -> bool {
        refresh_due(self, crate::clock::now_ms())
    }
}

/// What Python's `int(text)` returns for a decimal string, where it fits in an `i128`:
/// surrounding white space, one sign, ASCII digits with single underscores between them.
/// (Python also reads other Unicode decimal digits; the SDK writes ASCII, and a token with such
/// digits is treated as not due.)
pub(crate) fn python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(10)?;
        value = value.checked_mul(10)?.checked_add(i128::from(digit))?;
    }
    Some(if negative { -value } else { value })
}

/// Milliseconds since the Unix epoch on the system clock: the time of lease records. An expiry
/// is read against token time ([`crate::clock::now_ms`]), the same clock outside tests.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis().try_into().unwrap_or(u64::MAX))
}

/// Encoded length of a lease record (FORMAT.md §Leases).
const LEASE_LEN: usize = 61;
const LEASE_VERSION: u8 = 1;

/// One caller's claim to refresh one token, until `deadline_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lease {
    /// Random, one per call that takes a lease: threads of one process race too.
    pub(crate) holder: [u8; 16],
    /// The holder's host and PID namespace (see [`host_id`]).
    pub(crate) host: [u8; 16],
    pub(crate) pid: u32,
    /// The holder process's start time (clock ticks after boot, Linux), so that a reused pid
    /// is not taken for the holder; 0 where unknown.
    pub(crate) pid_start: u64,
    pub(crate) taken_ms: u64,
    pub(crate) deadline_ms: u64,
}

impl Lease {
    /// A new lease for this process, standing for `duration` (at most [`MAX_REFRESH_LEASE`])
    /// from `now_ms`.
    pub(crate) fn take(now_ms: u64, duration: Duration) -> Result<Lease, Error> {
        let duration = duration.min(MAX_REFRESH_LEASE);
        let pid = std::process::id();
        Ok(Lease {
            holder: crypto::random_bytes()?,
            host: host_id(),
            pid,
            pid_start: process_start(pid).unwrap_or(0),
            taken_ms: now_ms,
            deadline_ms: now_ms.saturating_add(duration.as_millis().try_into().unwrap_or(u64::MAX)),
        })
    }

    pub(crate) fn encode(&self) -> [u8; LEASE_LEN] {
        let mut out = [0u8; LEASE_LEN];
        out[0] = LEASE_VERSION;
        out[1..17].copy_from_slice(&self.holder);
        out[17..33].copy_from_slice(&self.host);
        out[33..37].copy_from_slice(&self.pid.to_le_bytes());
        out[37..45].copy_from_slice(&self.pid_start.to_le_bytes());
        out[45..53].copy_from_slice(&self.taken_ms.to_le_bytes());
        out[53..61].copy_from_slice(&self.deadline_ms.to_le_bytes());
        out
    }

    /// A stored lease; `None` for bytes that are not one (a lease is advice, not data: a
    /// damaged one is treated as absent, and the next caller takes the lease).
    pub(crate) fn decode(bytes: &[u8]) -> Option<Lease> {
        if bytes.len() != LEASE_LEN || bytes[0] != LEASE_VERSION {
            return None;
        }
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
        Some(Lease {
            holder: bytes[1..17].try_into().ok()?,
            host: bytes[17..33].try_into().ok()?,
            pid: u32::from_le_bytes(bytes[33..37].try_into().ok()?),
            pid_start: u64_at(37),
            taken_ms: u64_at(45),
            deadline_ms: u64_at(53),
        })
    }

    /// Whether the lease still stands at `now_ms`: it is [`plausible`](Self::plausible), its
    /// deadline has not passed, and its holder is not a process of this host (and PID
    /// namespace) that has ended.
    ///
    /// The record is not authenticated (anyone who can write the vault can write one), so this
    /// alone never bounds a wait: a waiter also bounds it on its own clock (`store/refresh.rs`).
    pub(crate) fn stands(&self, now_ms: u64) -> bool {
        self.plausible(now_ms) && now_ms < self.deadline_ms && !self.holder_gone()
    }

    /// Whether the record could have been written by [`Lease::take`] on a host whose clock is
    /// within [`CLOCK_SKEW_ALLOWANCE`] of this one: it stands for at most [`MAX_REFRESH_LEASE`]
    /// and was not taken in the future. A lease that is not plausible is treated as absent.
    pub(crate) fn plausible(&self, now_ms: u64) -> bool {
        let max_ms = u64::try_from(MAX_REFRESH_LEASE.as_millis()).unwrap_or(u64::MAX);
        let skew_ms = u64::try_from(CLOCK_SKEW_ALLOWANCE.as_millis()).unwrap_or(u64::MAX);
        self.deadline_ms
            .checked_sub(self.taken_ms)
            .is_some_and(|length| length <= max_ms)
            && self.taken_ms <= now_ms.saturating_add(skew_ms)
    }

    /// How long the lease stands from `now_ms` by its own deadline, at most
    /// [`MAX_REFRESH_LEASE`] (a lease taken up to [`CLOCK_SKEW_ALLOWANCE`] in the future would
    /// otherwise claim a little more).
    pub(crate) fn remaining(&self, now_ms: u64) -> Duration {
        Duration::from_millis(self.deadline_ms.saturating_sub(now_ms)).min(MAX_REFRESH_LEASE)
    }

    /// Whether the holder is known to have ended: a process of this host that no longer runs
    /// (or whose pid now belongs to a process started later), or that has ended and is not yet
    /// reaped by its parent (a zombie: a worker killed while its parent is busy elsewhere).
    pub(crate) fn holder_gone(&self) -> bool {
        if self.host != host_id() {
            return false;
        }
        match process_stat(self.pid) {
            None => !process_alive(self.pid),
            Some((state, start)) => {
                matches!(state, 'Z' | 'X') || (self.pid_start != 0 && start != self.pid_start)
            }
        }
    }

    /// Whether the holder is a process of this host.
    pub(crate) fn on_this_host(&self) -> bool {
        self.host == host_id()
    }
}

/// Which host and PID namespace this process runs in: a keyed hash of the kernel's boot id and
/// the PID namespace (two containers on one host do not see each other's pids). Overridden by
/// `TOKENVAULT_LEASE_HOST_ID` (tests simulate a second host with it). Without either (not
/// Linux), a value of this process alone: a dead holder is then seen only by its deadline.
pub(crate) fn host_id() -> [u8; 16] {
    static HOST: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    *HOST.get_or_init(|| {
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok();
        let namespace = std::fs::read_link("/proc/self/ns/pid").ok();
        let mut id = String::new();
        if let Ok(given) = std::env::var("TOKENVAULT_LEASE_HOST_ID") {
            id.push_str(&given);
        } else if let (Some(boot), Some(namespace)) = (boot, namespace) {
            id.push_str(boot.trim());
            id.push('/');
            id.push_str(&namespace.to_string_lossy());
        } else {
            id.push_str(&format!("process {}", std::process::id()));
        }
        let mut key = crypto::Key::default();
        key[..19].copy_from_slice(b"tokenvault/v1/lease");
        crypto::mac128(&key, id.as_bytes())
    })
}

/// Whether a process with `pid` runs on this host, asked of the kernel with `kill(pid, 0)`:
/// `EPERM` means it runs as another user. `/proc/PID` alone would miss another user's process
/// where `/proc` is mounted `hidepid=1` or `2`, and take its live lease over. A pid that is not
/// a single process's (0 names the caller's process group, above `i32::MAX` a negative group)
/// is no holder: gone.
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    use nix::errno::Errno;
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    match i32::try_from(pid) {
        Ok(pid) if pid > 0 => matches!(kill(Pid::from_raw(pid), None), Ok(()) | Err(Errno::EPERM)),
        _ => false,
    }
}

/// Whether a process with `pid` exists on this host (no signals to ask with: `/proc` alone).
#[cfg(not(unix))]
fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// The start time of process `pid` (field 22 of `/proc/PID/stat`, clock ticks after boot), or
/// `None` where it cannot be read (no such process, or not Linux).
fn process_start(pid: u32) -> Option<u64> {
    process_stat(pid).map(|(_, start)| start)
}

/// The state (field 3: `R`, `S`, `Z` for an ended process not yet reaped, ...) and start time
/// of process `pid`, from `/proc/PID/stat`; `None` where it cannot be read.
fn process_stat(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    Some((state, fields.nth(18)?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(
        access: Option<&str>,
        refresh: Option<&str>,
        grant: Option<&str>,
        expiry: Option<&str>,
    ) -> Token {
        Token {
            access_token: access.map(Secret::new),
            refresh_token: refresh.map(Secret::new),
            grant_token: grant.map(Secret::new),
            expiry_time: expiry.map(str::to_string),
            ..Token::default()
        }
    }

    #[test]
    fn a_refresh_is_due_exactly_when_the_sdk_makes_one() {
        let now = 1_000_000;
        // No access token: a refresh, or a grant exchange; with neither, the SDK fails first.
        assert!(refresh_due(&token(None, Some("r"), None, None), now));
        assert!(refresh_due(&token(Some(""), None, Some("g"), None), now));
        assert!(!refresh_due(&token(None, None, None, None), now));
        assert!(!refresh_due(&token(None, Some(""), Some(""), None), now));
        // The 5000 ms margin, to the millisecond.
        assert!(refresh_due(
            &token(Some("a"), Some("r"), None, Some("1004999")),
            now
        ));
        assert!(!refresh_due(
            &token(Some("a"), Some("r"), None, Some("1005000")),
            now
        ));
        assert!(refresh_due(&token(Some("a"), None, None, Some("0")), now));
        // No expiry, or one Python's int() rejects: no refresh (the SDK raises first).
        assert!(!refresh_due(&token(Some("a"), Some("r"), None, None), now));
        assert!(!refresh_due(
            &token(Some("a"), Some("r"), None, Some("")),
            now
        ));
        assert!(!refresh_due(
            &token(Some("a"), Some("r"), None, Some("soon")),
            now
        ));
        assert!(!refresh_due(
            &token(Some("a"), Some("r"), None, Some("1.5")),
            now
        ));
    }

    #[test]
    fn expiry_is_read_as_python_int_reads_it() {
        assert_eq!(python_int(" 42\n"), Some(42));
        assert_eq!(python_int("+1_000"), Some(1000));
        assert_eq!(python_int("-7"), Some(-7));
        assert_eq!(python_int("1__0"), None);
        assert_eq!(python_int("_1"), None);
        assert_eq!(python_int("1_"), None);
        assert_eq!(python_int(""), None);
        assert_eq!(python_int("0x10"), None);
        assert_eq!(python_int("9".repeat(60).as_str()), None);
    }

    #[test]
    fn a_lease_round_trips_and_damage_reads_as_none() {
        let lease = Lease::take(5, Duration::from_secs(1)).unwrap();
        assert_eq!(lease.deadline_ms, 1005);
        assert_eq!(Lease::decode(&lease.encode()), Some(lease.clone()));
        assert_eq!(Lease::decode(&lease.encode()[..60]), None);
        let mut other_version = lease.encode();
        other_version[0] = 2;
        assert_eq!(Lease::decode(&other_version), None);
    }

    #[test]
    fn a_lease_falls_at_its_deadline_or_when_its_holder_is_gone() {
        let lease = Lease::take(1000, Duration::from_secs(1)).unwrap();
        assert!(lease.stands(1999));
        assert!(!lease.stands(2000));
        assert!(!lease.holder_gone(), "this process holds it");
        let reused = Lease {
            pid_start: lease.pid_start.wrapping_add(1).max(1),
            ..lease.clone()
        };
        if process_start(lease.pid).is_some() {
            assert!(
                reused.holder_gone(),
                "a later process with the same pid is not the holder"
            );
        }
        let elsewhere = Lease {
            host: [7; 16],
            pid: u32::MAX,
            ..lease
        };
        assert!(
            !elsewhere.holder_gone(),
            "another host's holder is never declared gone"
        );
    }

    #[test]
    fn a_lease_longer_than_the_maximum_or_taken_in_the_future_does_not_stand() {
        let now = 1_000_000_000;
        let max = u64::try_from(MAX_REFRESH_LEASE.as_millis()).unwrap();
        let skew = u64::try_from(CLOCK_SKEW_ALLOWANCE.as_millis()).unwrap();
        let lease = |taken_ms: u64, deadline_ms: u64| Lease {
            taken_ms,
            deadline_ms,
            ..Lease::take(now, Duration::from_secs(1)).unwrap()
        };
        assert!(
            lease(now, now + max).stands(now),
            "the longest lease stands"
        );
        assert!(
            !lease(now, now + max + 1).stands(now),
            "a longer one does not"
        );
        assert!(!lease(now, u64::MAX).stands(now), "nor one without end");
        assert!(
            !lease(now, now - 1).stands(now),
            "nor one that ends before it starts"
        );
        assert!(
            lease(now + skew, now + skew + 1000).stands(now),
            "a clock slightly ahead"
        );
        assert!(
            !lease(now + skew + 1, now + skew + 1000).stands(now),
            "taken in the future"
        );
        assert!(lease(now + skew, now + skew + max).remaining(now) <= MAX_REFRESH_LEASE);
    }

    #[test]
    fn a_lease_taken_for_longer_than_the_maximum_is_cut_to_it() {
        let lease = Lease::take(5, Duration::MAX).unwrap();
        assert_eq!(
            Duration::from_millis(lease.deadline_ms - lease.taken_ms),
            MAX_REFRESH_LEASE
        );
        assert!(lease.stands(5));
    }

    #[cfg(unix)]
    #[test]
    fn a_pid_that_names_no_single_process_is_no_live_holder() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(0), "0 would ask about this process group");
        assert!(
            !process_alive(u32::MAX),
            "a negative pid would ask about a group"
        );
    }

    /// Where `/proc` is mounted `hidepid=2`, another user's processes have no `/proc/PID`: the
    /// holder is asked of the kernel instead (`kill(pid, 0)` answers EPERM for a live one). The
    /// test runs a copy of itself as `nobody` under a private `/proc` with `hidepid=2`, asking
    /// about this (root) process; it needs root for the mount and is skipped without it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_holder_that_proc_hides_from_another_user_is_not_taken_for_gone() {
        use std::os::unix::fs::MetadataExt;
        const HOLDER: &str = "TOKENVAULT_TEST_HIDDEN_HOLDER";
        const NAME: &str =
            "lease::tests::a_holder_that_proc_hides_from_another_user_is_not_taken_for_gone";
        if let Ok(pid) = std::env::var(HOLDER) {
            let pid: u32 = pid.parse().unwrap();
            assert!(process_stat(pid).is_none(), "hidepid=2 is not in effect");
            let lease = Lease {
                pid,
                ..Lease::take(now_ms(), Duration::from_secs(10)).unwrap()
            };
            assert!(
                !lease.holder_gone(),
                "a live holder hidden by /proc is gone"
            );
            return;
        }
        if std::fs::metadata("/proc/self").map_or(true, |m| m.uid() != 0) {
            eprintln!("skipped: mounting a private /proc with hidepid=2 needs root");
            return;
        }
        let script = format!(
            "mount -t proc -o hidepid=2 proc /proc && exec setpriv --reuid=65534 --regid=65534 \
             --clear-groups \"$0\" --exact {NAME} --nocapture --test-threads=1"
        );
        let status = std::process::Command::new("unshare")
            .args(["--mount", "--fork", "sh", "-c", &script])
            .arg(std::env::current_exe().unwrap())
            .env(HOLDER, std::process::id().to_string())
            .status()
            .expect("unshare (util-linux) runs");
        assert!(status.success(), "the hidden-holder check failed: {status}");
    }

    /// A holder killed (or exited) but not yet reaped by its parent is a zombie: its
    /// `/proc/PID/stat` still reads, with its start time, yet it will never save.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_holder_that_is_a_zombie_is_gone() {
        let Ok(mut child) = std::process::Command::new("sleep").arg("60").spawn() else {
            return; // no sleep(1) here
        };
        let pid = child.id();
        let lease = Lease {
            pid,
            pid_start: process_start(pid).expect("the child's start time"),
            ..Lease::take(now_ms(), Duration::from_secs(3600)).unwrap()
        };
        assert!(!lease.holder_gone(), "a running holder is not gone");
        child.kill().unwrap(); // SIGKILL; not reaped until wait()
        let zombie = (0..500).any(|_| {
            std::thread::sleep(Duration::from_millis(10));
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        });
        let gone = lease.holder_gone();
        child.wait().unwrap();
        assert!(zombie, "the killed child became a zombie");
        assert!(gone, "a zombie holder is gone");
    }
}
