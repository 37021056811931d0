//! When each token is renewed next, in token time (`tokenvault::clock`): its due time (the
//! library's rule: expiry − margin) less a jitter, or later when a failure backs it off or Zoho's
//! budget has no room. Pure bookkeeping: no I/O, no clock of its own.
//!
//! - A renewal is due `margin` before expiry; each due time gets a jitter of up to a fifth of the
//!   margin (at most two minutes) earlier, drawn once, so that tokens saved in the same second do
//!   not renew in the same second.
//! - Network errors, timeouts and 5xx back off exponentially (5 s, doubling, at most 5 minutes,
//!   each delay drawn between half and all of it).
//! - "Access Denied", an answer that is no token, or no known data center wait out Zoho's
//!   10-minute window.
//! - `invalid_code` stops the token until its refresh token changes (a new grant saved by the
//!   SDK): the mark is the service's, in memory, never written into the vault.
//! - Whatever the outcome, no more than 10 calls per refresh token in any 10 minutes
//!   (`budget.rs`).

use std::collections::HashMap;
use std::time::Duration;

use super::budget::{self, Budget};

/// The first retry after a network error, timeout or 5xx (token time).
const BACKOFF_FIRST_MS: u64 = 5_000;
/// The longest backoff after such failures.
const BACKOFF_MAX_MS: u64 = 5 * 60 * 1000;
/// The longest jitter of a due time.
const JITTER_MAX_MS: u64 = 2 * 60 * 1000;

/// How an attempt ended, as far as the schedule cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Finished {
    /// Renewed (by this service or, found so at the lease, by another caller): due next at
    /// `due` (token time), when known; else the vault's next list says.
    Renewed { due: Option<u64> },
    /// Another caller holds the lease: look again at `retry_at`.
    Leased { retry_at: u64 },
    /// A network error, timeout or 5xx: exponential backoff.
    Transient,
    /// "Access Denied", an answer that is no token, no data center: wait out Zoho's window.
    Window,
    /// `invalid_code`: stop until the refresh token changes.
    Revoked,
}

struct Entry {
    due_ms: u64,
    jitter_ms: u64,
    refresh: [u8; 16],
    user_name: Option<String>,
    not_before: u64,
    failures: u32,
    revoked: bool,
    in_flight: bool,
}

impl Entry {
    fn attempt_at(&self) -> u64 {
        self.due_ms
            .saturating_sub(self.jitter_ms)
            .max(self.not_before)
    }

    fn waiting(&self) -> bool {
        !self.revoked && !self.in_flight
    }
}

/// The schedule of every renewable token.
pub(crate) struct Schedule {
    margin: Duration,
    tokens: HashMap<String, Entry>,
    budget: Budget,
}

/// A due time's jitter: up to a fifth of `margin`, at most [`JITTER_MAX_MS`].
fn jitter(margin: Duration) -> u64 {
    let limit = u64::try_from(margin.as_millis() / 5)
        .unwrap_or(u64::MAX)
        .min(JITTER_MAX_MS);
    fastrand::u64(0..=limit)
}

/// A token as the vault lists it (`Vault::renewal_schedule`).
pub(crate) struct Listed {
    pub(crate) token_id: String,
    pub(crate) user_name: Option<String>,
    pub(crate) due_unix_ms: u64,
    pub(crate) refresh_token_digest: [u8; 16],
}

/// A token ready for an attempt.
pub(crate) struct Ready {
    pub(crate) token_id: String,
    pub(crate) user_name: Option<String>,
}

impl Schedule {
    pub(crate) fn new(margin: Duration) -> Schedule {
        Schedule {
            margin,
            tokens: HashMap::new(),
            budget: Budget::default(),
        }
    }

    fn jitter(&self) -> u64 {
        jitter(self.margin)
    }

    /// Takes the vault's list in: new tokens are added, a changed due time gets a new jitter, a
    /// changed refresh token lifts a revocation and its backoff, tokens gone are dropped.
    pub(crate) fn update(&mut self, listed: Vec<Listed>, now_ms: u64) {
        let mut seen = HashMap::with_capacity(listed.len());
        for item in listed {
            let jitter = self.jitter();
            let entry = self
                .tokens
                .entry(item.token_id.clone())
                .or_insert_with(|| Entry {
                    due_ms: item.due_unix_ms,
                    jitter_ms: jitter,
                    refresh: item.refresh_token_digest,
                    user_name: item.user_name.clone(),
                    not_before: 0,
                    failures: 0,
                    revoked: false,
                    in_flight: false,
                });
            if entry.due_ms != item.due_unix_ms {
                entry.due_ms = item.due_unix_ms;
                entry.jitter_ms = jitter;
            }
            if entry.refresh != item.refresh_token_digest {
                entry.refresh = item.refresh_token_digest;
                entry.revoked = false;
                entry.failures = 0;
                entry.not_before = 0;
            }
            entry.user_name = item.user_name;
            seen.insert(item.token_id, ());
        }
        self.tokens
            .retain(|id, entry| entry.in_flight || seen.contains_key(id));
        self.budget.prune(now_ms);
    }

    /// The tokens whose attempt time has come and whose refresh token's budget has room, marked
    /// in flight. A token the budget holds back waits until the window has room.
    pub(crate) fn take_ready(&mut self, now_ms: u64, limit: usize) -> Vec<Ready> {
        let mut ready = Vec::new();
        let budget = &mut self.budget;
        let mut due: Vec<(&String, &mut Entry)> = self
            .tokens
            .iter_mut()
            .filter(|(_, entry)| entry.waiting() && entry.attempt_at() <= now_ms)
            .collect();
        due.sort_by_key(|(_, entry)| entry.attempt_at());
        for (id, entry) in due {
            if ready.len() >= limit {
                break;
            }
            match budget.check(&entry.refresh, now_ms) {
                Ok(()) => {
                    entry.in_flight = true;
                    ready.push(Ready {
                        token_id: id.clone(),
                        user_name: entry.user_name.clone(),
                    });
                }
                Err(free_at) => entry.not_before = free_at,
            }
        }
        ready
    }

    /// Counts a call to the accounts server for `token_id`'s refresh token, made at `now_ms`.
    /// `false` (and nothing counted) when the window has no room: the caller makes no call.
    pub(crate) fn count_call(&mut self, token_id: &str, now_ms: u64) -> bool {
        let Some(entry) = self.tokens.get(token_id) else {
            return false;
        };
        let refresh = entry.refresh;
        match self.budget.check(&refresh, now_ms) {
            Ok(()) => {
                self.budget.record(&refresh, now_ms);
                true
            }
            Err(_) => false,
        }
    }

    /// Records how `token_id`'s attempt ended at `now_ms`; returns its next attempt time
    /// (`None`: stopped, or no longer scheduled).
    pub(crate) fn finish(
        &mut self,
        token_id: &str,
        finished: Finished,
        now_ms: u64,
    ) -> Option<u64> {
        let entry = self.tokens.get_mut(token_id)?;
        entry.in_flight = false;
        match finished {
            Finished::Renewed { due } => {
                entry.failures = 0;
                entry.not_before = 0;
                if let Some(due) = due.filter(|due| *due != entry.due_ms) {
                    entry.due_ms = due;
                    entry.jitter_ms = jitter(self.margin);
                }
            }
            Finished::Leased { retry_at } => entry.not_before = retry_at,
            Finished::Transient => {
                entry.failures = entry.failures.saturating_add(1);
                let doubled = BACKOFF_FIRST_MS
                    .saturating_mul(1u64 << (entry.failures - 1).min(20))
                    .min(BACKOFF_MAX_MS);
                entry.not_before = now_ms + fastrand::u64(doubled / 2..=doubled);
            }
            Finished::Window => {
                entry.failures = entry.failures.saturating_add(1);
                entry.not_before = now_ms + budget::WINDOW_MS;
            }
            Finished::Revoked => {
                entry.failures = entry.failures.saturating_add(1);
                entry.revoked = true;
                return None;
            }
        }
        Some(entry.attempt_at().max(now_ms))
    }

    /// Consecutive failures of `token_id`.
    pub(crate) fn failures(&self, token_id: &str) -> u32 {
        self.tokens.get(token_id).map_or(0, |entry| entry.failures)
    }

    /// The earliest attempt time of any token that waits (for `/metrics` and the next wake).
    pub(crate) fn earliest(&self) -> Option<u64> {
        self.tokens
            .values()
            .filter(|entry| entry.waiting())
            .map(Entry::attempt_at)
            .min()
    }

    /// How many tokens are stopped (`invalid_code`).
    pub(crate) fn revoked(&self) -> usize {
        self.tokens.values().filter(|entry| entry.revoked).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: &str, due: u64, refresh: u8) -> Listed {
        Listed {
            token_id: id.to_string(),
            user_name: None,
            due_unix_ms: due,
            refresh_token_digest: [refresh; 16],
        }
    }

    #[test]
    fn a_token_is_ready_at_its_due_time_less_a_jitter_of_at_most_a_fifth_of_the_margin() {
        let mut schedule = Schedule::new(Duration::from_secs(300));
        schedule.update(vec![listed("1", 1_000_000, 1)], 0);
        let at = schedule.earliest().unwrap();
        assert!((1_000_000 - 60_000..=1_000_000).contains(&at), "{at}");
        assert!(schedule.take_ready(at - 1, 8).is_empty());
        let ready = schedule.take_ready(at, 8);
        assert_eq!(ready.len(), 1);
        assert!(schedule.take_ready(at, 8).is_empty(), "in flight");
    }

    #[test]
    fn failures_back_off_by_class_and_a_revocation_lasts_until_the_refresh_token_changes() {
        let mut schedule = Schedule::new(Duration::from_secs(300));
        schedule.update(vec![listed("1", 0, 1)], 0);
        let mut last = 0;
        for failure in 1..=4u32 {
            assert_eq!(schedule.take_ready(last, 8).len(), 1);
            let next = schedule.finish("1", Finished::Transient, last).unwrap();
            let full = BACKOFF_FIRST_MS << (failure - 1);
            assert!(
                (last + full / 2..=last + full).contains(&next),
                "{failure}: {next}"
            );
            last = next;
        }
        assert_eq!(schedule.take_ready(last, 8).len(), 1);
        let next = schedule.finish("1", Finished::Window, last).unwrap();
        assert_eq!(next, last + budget::WINDOW_MS);
        assert_eq!(schedule.take_ready(next, 8).len(), 1);
        assert_eq!(schedule.finish("1", Finished::Revoked, next), None);
        assert!(schedule.take_ready(u64::MAX / 2, 8).is_empty());
        assert_eq!(schedule.revoked(), 1);
        schedule.update(vec![listed("1", 0, 2)], next);
        assert_eq!(schedule.revoked(), 0);
        assert_eq!(schedule.take_ready(next, 8).len(), 1);
    }

    #[test]
    fn no_more_than_ten_calls_per_refresh_token_in_ten_minutes() {
        let mut schedule = Schedule::new(Duration::from_secs(300));
        // Two tokens sharing one refresh token share its budget.
        schedule.update(vec![listed("1", 0, 9), listed("2", 0, 9)], 0);
        let mut calls = 0;
        for step in 0..100u64 {
            let now = step * 1_000;
            for ready in schedule.take_ready(now, 8) {
                if schedule.count_call(&ready.token_id, now) {
                    calls += 1;
                }
                schedule.finish(&ready.token_id, Finished::Leased { retry_at: now }, now);
            }
        }
        assert_eq!(calls, 10);
    }
}
