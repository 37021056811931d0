//! The one wait-and-retry loop: file locks and write transactions held by other processes
//! (`engines/`), and a passphrase command that has not exited yet
//! (`secret_sources/command.rs`). Short pauses first, so a wait that ends soon costs little;
//! longer ones later, so a long wait costs no CPU.

use std::time::{Duration, Instant};

/// The first pause between two attempts; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_micros(200);
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// Calls `attempt` until it gives a value or an error, pausing between calls (200 µs, doubling
/// up to 20 ms); after `timeout` without either, returns `timed_out(waited)`.
pub(crate) fn with_backoff<T, E>(
    timeout: Duration,
    mut attempt: impl FnMut() -> Result<Option<T>, E>,
    timed_out: impl FnOnce(Duration) -> E,
) -> Result<T, E> {
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    loop {
        if let Some(value) = attempt()? {
            return Ok(value);
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(timed_out(waited));
        }
        std::thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(MAX_PAUSE);
    }
}
