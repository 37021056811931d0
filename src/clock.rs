//! Token time: the clock an access token's expiry is read against, as the SDK's
//! `time.time() * 1000` is (epoch milliseconds).
//!
//! In every build a front end ships, this is the system clock. A build with the cargo feature
//! `simulated-clock` (which only the test targets turn on: no front end's `Cargo.toml` enables
//! it, so neither the binary nor the wheel has it) reads `TOKENVAULT_SIMULATED_CLOCK=ORIGIN:FACTOR`
//! and runs token time FACTOR times faster than the system clock from ORIGIN (epoch
//! milliseconds): a simulated day of hourly refreshes passes in seconds. Lease records keep the
//! system clock (`lease::now_ms`): a lease bounds a real HTTP round trip, which no test speeds up.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The environment variable a `simulated-clock` build reads (`ORIGIN_MS:FACTOR`).
pub const SIMULATED_CLOCK_VAR: &str = "TOKENVAULT_SIMULATED_CLOCK";

fn system_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis().try_into().unwrap_or(u64::MAX))
}

/// Token time now, epoch milliseconds.
pub fn now_ms() -> u64 {
    let now = system_ms();
    match simulation() {
        Some((origin, factor)) => {
            origin.saturating_add(now.saturating_sub(origin).saturating_mul(factor))
        }
        None => now,
    }
}

/// How long a wait of `span` in token time takes on the system clock (the same span, unless
/// the clock is simulated).
pub fn system_span(span: Duration) -> Duration {
    match simulation() {
        Some((_, factor)) => span / u32::try_from(factor).unwrap_or(u32::MAX),
        None => span,
    }
}

/// The factor token time runs faster than the system clock, when it is simulated.
pub fn simulated_factor() -> Option<u64> {
    simulation().map(|(_, factor)| factor)
}

#[cfg(feature = "simulated-clock")]
fn simulation() -> Option<(u64, u64)> {
    static SIMULATION: std::sync::OnceLock<Option<(u64, u64)>> = std::sync::OnceLock::new();
    *SIMULATION.get_or_init(|| {
        let text = std::env::var(SIMULATED_CLOCK_VAR).ok()?;
        let (origin, factor) = text.split_once(':')?;
        let factor: u64 = factor.trim().parse().ok().filter(|f| *f >= 1)?;
        Some((origin.trim().parse().ok()?, factor))
    })
}

#[cfg(not(feature = "simulated-clock"))]
fn simulation() -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_time_is_the_system_clock_without_a_simulation() {
        if simulation().is_some() {
            return; // a simulated-clock test run that set the variable
        }
        let before = system_ms();
        let now = now_ms();
        assert!(now >= before && now <= system_ms());
        assert_eq!(system_span(Duration::from_secs(7)), Duration::from_secs(7));
    }
}
