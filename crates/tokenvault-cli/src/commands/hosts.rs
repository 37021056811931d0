//! Many hosts: `copy` moves a vault between a file and a server database (or between two of
//! either), records still sealed. (`import --from-dbstore` lives with the other imports.)

use serde_json::json;
use tokenvault::Location;

use crate::CliError;
use crate::args::GlobalArgs;
use crate::error::vault_error;
use crate::output::{self, BOLD};
use crate::vault;

pub(crate) fn copy(global: &GlobalArgs, to: &str) -> Result<(), CliError> {
    let from = global.shown();
    let target = Location::parse(to);
    let shown_target = std::path::PathBuf::from(target.to_string());
    if let Some(file) = target.as_path() {
        // Refused before the passphrase is asked for, as `init` does.
        if file.exists() {
            return Err(CliError::failure(format!(
                "{} already exists; `copy` writes a new vault only (choose another --to)",
                file.display()
            )));
        }
    }
    let vault = vault::open(global)?;
    let copied = vault
        .copy_to(&target)
        .map_err(|e| vault_error(e, &shown_target))?;
    if global.json {
        return output::print_json(&json!({
            "vault": from.display().to_string(),
            "to": target.to_string(),
            "copied": copied,
        }));
    }
    output::status(format!(
        "Copied {copied} token{} from {} to {BOLD}{target}{BOLD:#}, still sealed: it opens with the same passphrase.",
        if copied == 1 { "" } else { "s" },
        from.display(),
    ));
    Ok(())
}
