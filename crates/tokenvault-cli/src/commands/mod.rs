//! One function per command, grouped by concern: moving token files in and out (`transfer`),
//! looking at and removing tokens (`tokens`), the SDK's own lookups (`sdk`), and the vault as a
//! whole (`lifecycle`, `inspect`).

mod hosts;
mod inspect;
mod lifecycle;
mod sdk;
#[cfg(feature = "serve")]
mod serve;
mod slots;
mod tokens;
mod transfer;

use clap::CommandFactory;

use crate::CliError;
use crate::args::{Cli, Command};

pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    let global = &cli.global;
    if let Some(url) = &global.database_url {
        if !tokenvault::Location::parse(url).is_server() {
            return Err(CliError::failure(
                "--database-url (TOKENVAULT_DATABASE_URL) must be a server URL such as mysql://USER@HOST/DATABASE or postgres://USER@HOST/DATABASE; for a file, use --vault",
            ));
        }
    }
    match cli.command {
        Command::Init {
            generate,
            add_recovery_key,
            kdf,
        } => lifecycle::init(global, generate, add_recovery_key, kdf),
        Command::Import {
            file,
            from_dbstore,
            create,
            kdf,
        } => {
            let source = match (file, from_dbstore) {
                (_, Some(url)) => transfer::Source::DbStore(url),
                (Some(file), None) => transfer::Source::File(file),
                (None, None) => {
                    return Err(CliError::failure(
                        "import needs a token FILE or --from-dbstore URL",
                    ));
                }
            };
            transfer::import(global, &source, create, kdf)
        }
        Command::Export { file, force } => transfer::export(global, &file, force),
        Command::List { reveal } => tokens::list(global, reveal),
        Command::Get { id, reveal } => tokens::get(global, &id, reveal),
        Command::Delete { id } => tokens::delete(global, &id),
        Command::Clear { yes } => tokens::clear(global, yes),
        Command::Find { explain, reveal } => sdk::find(global, explain, reveal),
        Command::Save => sdk::save(global),
        Command::Info { unlock } => inspect::info(global, unlock),
        Command::Passwd {
            slot,
            new_passphrase_file,
            rotate,
            kdf,
        } => lifecycle::passwd(
            global,
            slot.as_deref(),
            new_passphrase_file.as_deref(),
            rotate,
            kdf,
        ),
        Command::Slot(command) => slots::run(global, command),
        Command::Upgrade => slots::upgrade(global),
        Command::RotateKey => lifecycle::rotate_key(global),
        Command::Verify => inspect::verify(global),
        Command::Compact => lifecycle::compact(global),
        Command::Copy { to } => hosts::copy(global, &to),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::serve(global, args),
        Command::Completions { shell } => completions(shell),
    }
}

/// Writes the script through our own buffer: clap_complete panics on a write error, and a
/// closed pipe must end quietly.
fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tokenvault", &mut script);
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}
