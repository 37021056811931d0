//! The SDK's own lookups from the shell: `find` (its `find_token`) and `save` (its `save_token`).

use std::io::Write;

use serde_json::json;
use tokenvault::{MatchedBy, SaveOutcome};

use crate::CliError;
use crate::args::GlobalArgs;
use crate::error::{Exit, vault_error};
use crate::expiry;
use crate::input;
use crate::output::{self, DIM};
use crate::vault;

/// The rule's name in JSON and its description for `--explain`.
fn rule(matched: MatchedBy) -> (&'static str, &'static str) {
    match matched {
        MatchedBy::UserName => ("user_name", "the user name (FileStore rule 1)"),
        MatchedBy::AccessToken => ("access_token", "the access token (FileStore rule 2)"),
        MatchedBy::GrantToken => ("grant_token", "the grant token (FileStore rule 3)"),
        MatchedBy::RefreshToken => ("refresh_token", "the refresh token (FileStore rule 3)"),
        MatchedBy::Id => (
            "id",
            "the id (tokenvault's addition: the FileStore finds nothing here)",
        ),
        // `MatchedBy` is non-exhaustive: a rule a newer library adds.
        _ => ("other", "a rule this build of the command does not know"),
    }
}

pub(crate) fn find(global: &GlobalArgs, explain: bool, reveal: bool) -> Result<(), CliError> {
    let path = &global.shown();
    let query = input::read_token_from_stdin()?;
    let found = vault::open(global)?
        .find_token_explained(&query)
        .map_err(|e| vault_error(e, path))?;
    let Some((token, matched)) = found else {
        return Err(CliError::new(
            Exit::NotFound,
            "no stored token matches this query (by user name, access token, grant or refresh token with client id and secret, or id)",
        ));
    };
    let (name, description) = rule(matched);
    if global.json {
        return output::print_json(&json!({
            "token": output::token_json(&token, reveal),
            "matched_by": name,
        }));
    }
    output::print_token(&token, reveal, expiry::now_ms())?;
    if explain {
        let mut out = output::stdout();
        writeln!(out, "{DIM}matched by{DIM:#}     {description}")?;
        out.flush()?;
    }
    Ok(())
}

pub(crate) fn save(global: &GlobalArgs) -> Result<(), CliError> {
    let path = &global.shown();
    let mut token = input::read_token_from_stdin()?;
    let outcome = vault::open(global)?
        .save_token(&mut token)
        .map_err(|e| vault_error(e, path))?;
    let id = token.id.clone().unwrap_or_default();
    if global.json {
        let outcome = match outcome {
            SaveOutcome::Inserted => "inserted",
            SaveOutcome::Updated => "updated",
            // `SaveOutcome` is non-exhaustive: an outcome a newer library adds.
            _ => "other",
        };
        return output::print_json(&json!({ "id": id, "outcome": outcome }));
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{id}")?;
    out.flush()?;
    Ok(())
}
