//! The `tokenvault` command built with this suite, for `benches/slots/run.py --smoke` (CI), which
//! then needs no build of the main crate: the same `tokenvault::cli::run` as `src/main.rs` (and
//! the Python package's command), in this workspace's release profile. The documented figures
//! use the main crate's own `cargo build --release` binary.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(tokenvault::cli::run(std::env::args_os()))
}
