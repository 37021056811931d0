//! The `tokenvault` command-line tool: argument definitions, passphrase sources, output, and one
//! module per group of commands, on the `tokenvault` library's public API. The contract scripts
//! rely on (paths, passphrase sources, exit codes, JSON) is stated once, in `args.rs`, where
//! `--help` shows it.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod error;
mod expiry;
mod input;
mod output;
mod passphrase;
mod progress;
mod table;
mod vault;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

pub(crate) use error::CliError;

/// Parses the command line `args` (the program name first), runs the command, and returns the
/// exit code of the contract. The `tokenvault` binary and the Python package's `tokenvault`
/// command (`tokenvault._native.run_cli`) both call this, so they behave alike.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> u8 {
    let code = match args::Cli::try_parse_from(args) {
        // --help, --version, or a usage error: what `Cli::parse` prints, and its exit code.
        Err(e) => {
            let _ = e.print();
            u8::try_from(e.exit_code()).unwrap_or(2)
        }
        Ok(cli) => {
            output::set_color(cli.global.color);
            match commands::run(cli) {
                Ok(()) => 0,
                Err(error) => error.report(),
            }
        }
    };
    // A binary's stdout is flushed when `main` returns; inside the Python extension nothing
    // flushes it at exit, so flush here (a closed pipe stays quiet, as everywhere else).
    let _ = std::io::stdout().flush();
    code
}
