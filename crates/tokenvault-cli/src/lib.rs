//! The `tokenvault` command-line tool: argument definitions, passphrase sources, output, and one
//! module per group of commands, on the `tokenvault` library's public API. The contract scripts
//! rely on (paths, passphrase sources, exit codes, JSON) is stated once, in `args.rs`, where
//! `--help` shows it.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod error;
#[cfg(test)]
mod exit_codes_doc;
mod expiry;
mod input;
mod output;
mod passphrase;
mod progress;
mod table;
mod vault;

use std::ffi::OsString;
use std::io::Write;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

pub(crate) use error::CliError;

/// Parses the command line `args` (the program name first), runs the command, and returns the
/// exit code of the contract. The `tokenvault` binary and the Python package's `tokenvault`
/// command (`tokenvault._native.run_cli`) both call this, so they behave alike.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> u8 {
    let parsed = args::Cli::command()
        .try_get_matches_from(args)
        .and_then(|matches| {
            warn_of_passwords_on_the_command_line(&matches);
            args::Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut args::Cli::command()))
        });
    let code = match parsed {
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

/// The URL options that may hold a password, with the variable to give it in instead, by
/// subcommand (`None`: a global option).
const URL_OPTIONS: [(Option<&str>, &str, &str, &str); 3] = [
    (
        None,
        "database_url",
        "--database-url",
        "TOKENVAULT_DATABASE_URL",
    ),
    (
        Some("import"),
        "from_dbstore",
        "--from-dbstore",
        "TOKENVAULT_DBSTORE_URL",
    ),
    (Some("copy"), "to", "--to", "TOKENVAULT_COPY_TO"),
];

/// A warning for each server URL given on the command line with a password in it: other users
/// see a process's arguments (`ps`, /proc) and the shell keeps them in its history. The same URL
/// from the environment gets none. The warning names the option, never the URL.
fn warn_of_passwords_on_the_command_line(matches: &ArgMatches) {
    for (subcommand, id, option, variable) in URL_OPTIONS {
        let matches = match subcommand {
            None => Some(matches),
            Some(name) => matches.subcommand_matches(name),
        };
        let Some(matches) = matches else { continue };
        if matches.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let Ok(Some(url)) = matches.try_get_one::<args::UrlArg>(id) else {
            continue;
        };
        if tokenvault::url_holds_password(url) {
            output::warn(format_args!(
                "the password in {option} is on the command line, where other users can see \
                 it (ps, /proc) and the shell history keeps it; give the URL in {variable} \
                 instead"
            ));
        }
    }
}
