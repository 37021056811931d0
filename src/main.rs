//! `tokenvault`: migrate an SDK token file into an encrypted vault, look inside it, script it.
//!
//! Everything lives in `src/cli/`; this file only hands the exit code back to the OS.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
