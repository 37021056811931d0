//! Writes the suite's tokens `1..=N` as a FileStore token file on stdout (`data::csv`), for
//! benchmarks that drive the `tokenvault` command (`benches/slots/run.py`: `tokenvault import`).
//!   token_file N > tokens.txt

use std::io::Write;

use tokenvault_bench::data;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .expect("usage: token_file N");
    let mut out = std::io::stdout().lock();
    out.write_all(&data::csv(n)).expect("write stdout");
    out.flush().expect("flush stdout");
}
