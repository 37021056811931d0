//! Closed-loop load: C threads, each calling as fast as its previous call returns, for a warm-up
//! and then a measured window; every call started in the window is timed.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// How long to warm up and to measure.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub warm_up: Duration,
    pub measure: Duration,
}

/// What one scenario measured.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Calls started in the measured window.
    pub calls: usize,
    pub p50: Duration,
    pub p99: Duration,
    /// Calls per second over the measured window.
    pub per_second: f64,
}

/// A small deterministic generator (splitmix64) for the token each call asks for.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    /// A number in `1..=n`.
    pub fn pick(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n + 1
    }
}

/// Runs `clients` threads. `worker(k)` makes thread k's caller (its own connection, say) on that
/// thread; the caller is then called with a token number in `1..=n` until the window ends.
pub fn run<W, C>(clients: usize, n: u64, timing: Timing, worker: W) -> Measured
where
    W: Fn(usize) -> C + Sync,
    C: FnMut(u64),
{
    let ready = Arc::new(Barrier::new(clients + 1));
    let go = Arc::new(Barrier::new(clients + 1));
    let start_line = Arc::new(std::sync::OnceLock::<Instant>::new());
    let mut latencies: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|k| {
                let ready = ready.clone();
                let go = go.clone();
                let start_line = start_line.clone();
                let worker = &worker;
                scope.spawn(move || {
                    let mut call = worker(k);
                    let mut rng = Rng::new(k as u64 + 1);
                    let mut timed = Vec::with_capacity(1 << 16);
                    ready.wait();
                    go.wait();
                    let start = *start_line.get().expect("start set before the barrier");
                    let (from, until) = (
                        start + timing.warm_up,
                        start + timing.warm_up + timing.measure,
                    );
                    loop {
                        let i = rng.pick(n);
                        let began = Instant::now();
                        if began >= until {
                            break;
                        }
                        call(i);
                        if began >= from {
                            timed.push(began.elapsed().as_nanos() as u64);
                        }
                    }
                    timed
                })
            })
            .collect();
        // Every caller is connected before the clock starts.
        ready.wait();
        start_line.set(Instant::now()).expect("set once");
        go.wait();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a client thread panicked"))
            .collect()
    });
    latencies.sort_unstable();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        Duration::from_nanos(latencies[index])
    };
    assert!(!latencies.is_empty(), "no call completed in the window");
    Measured {
        calls: latencies.len(),
        p50: at(0.50),
        p99: at(0.99),
        per_second: latencies.len() as f64 / timing.measure.as_secs_f64(),
    }
}
