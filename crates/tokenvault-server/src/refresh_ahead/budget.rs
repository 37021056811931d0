//! Zoho's limit, kept by the service: at most 10 access tokens per refresh token in any 10
//! minutes (past it the accounts server answers "Access Denied" for the rest of the window).
//! Every call this service makes for a refresh token is counted here before it is made, whatever
//! its outcome; a call the window has no room for waits until the oldest leaves it.

use std::collections::{HashMap, VecDeque};

/// Calls per refresh token per [`WINDOW_MS`].
pub(crate) const CALLS_PER_WINDOW: usize = 10;
/// Zoho's window: 10 minutes (token time).
pub(crate) const WINDOW_MS: u64 = 10 * 60 * 1000;

/// The calls made for each refresh token (by digest) in the last window.
#[derive(Default)]
pub(crate) struct Budget {
    calls: HashMap<[u8; 16], VecDeque<u64>>,
}

impl Budget {
    /// `Ok` if a call for `refresh` may be made at `now_ms`; else when it may (token time).
    pub(crate) fn check(&mut self, refresh: &[u8; 16], now_ms: u64) -> Result<(), u64> {
        let Some(calls) = self.calls.get_mut(refresh) else {
            return Ok(());
        };
        while calls
            .front()
            .is_some_and(|&at| at.saturating_add(WINDOW_MS) <= now_ms)
        {
            calls.pop_front();
        }
        match calls.len() < CALLS_PER_WINDOW {
            true => Ok(()),
            false => Err(calls
                .front()
                .map_or(now_ms, |&oldest| oldest.saturating_add(WINDOW_MS))),
        }
    }

    /// Counts a call for `refresh` made at `now_ms`.
    pub(crate) fn record(&mut self, refresh: &[u8; 16], now_ms: u64) {
        self.calls.entry(*refresh).or_default().push_back(now_ms);
    }

    /// Forgets refresh tokens with no call in the window (tokens deleted or re-keyed).
    pub(crate) fn prune(&mut self, now_ms: u64) {
        self.calls.retain(|_, calls| {
            calls
                .back()
                .is_some_and(|&at| at.saturating_add(WINDOW_MS) > now_ms)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_call_in_ten_minutes_waits_for_the_oldest_to_leave_the_window() {
        let mut budget = Budget::default();
        let refresh = [1; 16];
        for i in 0..10 {
            assert_eq!(budget.check(&refresh, 1_000 + i), Ok(()));
            budget.record(&refresh, 1_000 + i);
        }
        assert_eq!(budget.check(&refresh, 2_000), Err(1_000 + WINDOW_MS));
        assert_eq!(budget.check(&[2; 16], 2_000), Ok(()), "per refresh token");
        assert_eq!(budget.check(&refresh, 1_000 + WINDOW_MS), Ok(()));
        budget.prune(20 * WINDOW_MS);
        assert!(budget.calls.is_empty());
    }
}
