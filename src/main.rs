//! `tokenvault`: migrate an SDK token file into an encrypted vault, look inside it, script it.
//!
//! Everything lives in `src/cli/` (compiled into the library behind the `cli` feature, so that the
//! Python package's `tokenvault` command runs the same code); this file only hands the exit code
//! back to the OS.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(tokenvault::cli::run(std::env::args_os()))
}
