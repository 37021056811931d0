//! The command-line tool: argument definitions, passphrase sources, output, and one module per
//! group of commands. The contract scripts rely on (paths, passphrase sources, exit codes, JSON)
//! is stated once, in `args.rs`, where `--help` shows it.

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

use std::process::ExitCode;

use clap::Parser;

pub(crate) use error::CliError;

/// Parses the command line, runs the command, and turns the outcome into an exit code.
pub(crate) fn main() -> ExitCode {
    let cli = args::Cli::parse();
    output::set_color(cli.global.color);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
