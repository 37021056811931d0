//! Expiry times as people read them: "expires in 12 min", "expired 3 d ago".
//!
//! The SDK stores `expires_in` as epoch milliseconds in a string; anything else is shown as is.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Now, in epoch milliseconds.
pub(crate) fn now_ms() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i128)
}

/// `raw` relative to `now_ms`, or `None` if `raw` is not epoch milliseconds.
pub(crate) fn relative(raw: &str, now_ms: i128) -> Option<String> {
    let at: i128 = raw.trim().parse().ok()?;
    let delta = at - now_ms;
    let span = span(delta.unsigned_abs());
    Some(if delta > 0 {
        format!("expires in {span}")
    } else if delta == 0 {
        "expires now".to_string()
    } else {
        format!("expired {span} ago")
    })
}

/// When a renewal due at `at_ms` comes, relative to `now_ms`: "in 55 min", or "due" once past.
pub(crate) fn renews(at_ms: u64, now_ms: i128) -> String {
    let delta = i128::from(at_ms) - now_ms;
    match delta > 0 {
        true => format!("in {}", span(delta.unsigned_abs())),
        false => "due".to_string(),
    }
}

/// `raw` as an RFC 3339 time and relative to now, for the detail view.
pub(crate) fn describe(raw: &str, now_ms: i128) -> Option<String> {
    // humantime formats years up to 9999 only (it asserts so); later times are shown relative.
    const YEAR_10000_MS: u64 = 253_402_300_800_000;
    let relative = relative(raw, now_ms)?;
    let at: u64 = raw.trim().parse().ok().filter(|&ms| ms < YEAR_10000_MS)?;
    let time = UNIX_EPOCH.checked_add(Duration::from_millis(at))?;
    Some(format!(
        "{}, {relative}",
        humantime::format_rfc3339_seconds(time)
    ))
}

/// A span in its largest whole unit: `45 s`, `12 min`, `5 h`, `3 d`.
fn span(ms: u128) -> String {
    const S: u128 = 1000;
    const MIN: u128 = 60 * S;
    const H: u128 = 60 * MIN;
    const D: u128 = 24 * H;
    match ms {
        ms if ms < MIN => format!("{} s", ms / S),
        ms if ms < H => format!("{} min", ms / MIN),
        ms if ms < 2 * D => format!("{} h", ms / H),
        ms => format!("{} d", ms / D),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i128 = 1_764_343_600_000;

    #[test]
    fn future_and_past_read_as_people_say_them() {
        let at = |offset_ms: i128| (NOW + offset_ms).to_string();
        assert_eq!(
            relative(&at(12 * 60_000 + 5), NOW).unwrap(),
            "expires in 12 min"
        );
        assert_eq!(
            relative(&at(-3 * 86_400_000), NOW).unwrap(),
            "expired 3 d ago"
        );
        assert_eq!(relative(&at(30_000), NOW).unwrap(), "expires in 30 s");
        assert_eq!(
            relative(&at(-5 * 3_600_000), NOW).unwrap(),
            "expired 5 h ago"
        );
        assert_eq!(relative(&at(0), NOW).unwrap(), "expires now");
    }

    #[test]
    fn values_that_are_not_epoch_milliseconds_are_left_alone() {
        assert_eq!(relative("soon", NOW), None);
        assert_eq!(describe("", NOW), None);
        assert_eq!(describe("-5", NOW), None);
        assert_eq!(describe("99999999999999999999", NOW), None);
    }

    #[test]
    fn describe_gives_the_absolute_time_too() {
        assert_eq!(
            describe("1764343600000", NOW + 60_000).unwrap(),
            "2025-11-28T15:26:40Z, expired 1 min ago"
        );
    }
}
