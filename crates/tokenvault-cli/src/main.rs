//! `tokenvault`: migrate an SDK token file into an encrypted vault, look inside it, script it.
//!
//! Everything lives in the `tokenvault_cli` library (so that the Python package's `tokenvault`
//! command runs the same code); this file only hands the exit code back to the OS.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(tokenvault_cli::run(std::env::args_os()))
}
