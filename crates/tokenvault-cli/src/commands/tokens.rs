//! Looking at and removing stored tokens: `list`, `get`, `delete`, `clear`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};
use tokenvault::{RefreshLease, Token, Vault};

use crate::CliError;
use crate::args::GlobalArgs;
use crate::error::vault_error;
use crate::expiry;
use crate::output::{self, ABSENT, DIM, EXPIRED, SECRET_FIELDS};
use crate::table::{Cell, Table};
use crate::vault;

/// Column titles of the revealed secrets, in [`SECRET_FIELDS`] order.
const SECRET_TITLES: [&str; 4] = [
    "CLIENT SECRET",
    "REFRESH TOKEN",
    "ACCESS TOKEN",
    "GRANT TOKEN",
];
/// How `list` names a present secret without showing it, in [`SECRET_FIELDS`] order.
const SECRET_NAMES: [&str; 4] = ["secret", "refresh", "access", "grant"];

/// The refresh leases that stand, by token id.
fn leases_by_id(vault: &Vault, path: &Path) -> Result<HashMap<String, RefreshLease>, CliError> {
    Ok(vault
        .refresh_leases()
        .map_err(|e| vault_error(e, path))?
        .into_iter()
        .map(|lease| (lease.token_id.clone(), lease))
        .collect())
}

/// A token in `--json` output, with its refresh lease (`null` when none stands).
fn token_json(token: &Token, reveal: bool, leases: &HashMap<String, RefreshLease>) -> Value {
    let mut value = output::token_json(token, reveal);
    value["renews_unix_ms"] = token
        .renewal_due_at(tokenvault::DEFAULT_RENEWAL_MARGIN)
        .map_or(Value::Null, |at| json!(at));
    let lease = token.id.as_ref().and_then(|id| leases.get(id));
    value["refresh_lease"] = lease.map_or(Value::Null, output::lease_json);
    value
}

pub(crate) fn list(global: &GlobalArgs, reveal: bool) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open(global)?;
    let tokens = vault.get_tokens().map_err(|e| vault_error(e, path))?;
    let leases = leases_by_id(&vault, path)?;
    if global.json {
        let tokens: Vec<_> = tokens
            .iter()
            .map(|t| token_json(t, reveal, &leases))
            .collect();
        return output::print_json(&json!({ "tokens": tokens }));
    }
    if tokens.is_empty() {
        output::status(format!(
            "No tokens in {} (add some with `tokenvault import FILE`).",
            path.display()
        ));
        return Ok(());
    }
    let mut header = vec!["ID", "USER", "CLIENT ID", "API DOMAIN", "EXPIRY", "RENEWS"];
    if reveal {
        header.extend(SECRET_TITLES);
    } else {
        header.push("SECRETS");
    }
    // Only while a token is being refreshed (`tokenvault get ID` says by whom).
    if !leases.is_empty() {
        header.push("REFRESH");
    }
    let mut table = Table::new(header);
    let now = expiry::now_ms();
    for token in &tokens {
        let mut row = vec![
            Cell::new(output::human_field(token, "id", false)),
            Cell::new(output::human_field(token, "user_name", false)),
            Cell::new(output::human_field(token, "client_id", false)),
            Cell::new(output::human_field(token, "api_domain", false)),
            expiry_cell(token, now),
            renews_cell(token, now),
        ];
        if reveal {
            row.extend(
                SECRET_FIELDS
                    .iter()
                    .map(|f| Cell::new(output::human_field(token, f, true))),
            );
        } else {
            row.push(Cell::new(present_secrets(token)));
        }
        if !leases.is_empty() {
            let lease = token.id.as_ref().and_then(|id| leases.get(id));
            row.push(match lease {
                Some(lease) => Cell::new(format!(
                    "pid {}, {:.0} s left",
                    lease.pid,
                    lease.remaining.as_secs_f64().ceil()
                )),
                None => Cell::styled(ABSENT, DIM),
            });
        }
        table.push(row);
    }
    let mut out = output::stdout();
    table.write(&mut out)?;
    out.flush()?;
    Ok(())
}

/// "expires in 12 min" / "expired 3 d ago"; the raw value if it is not epoch milliseconds.
fn expiry_cell(token: &Token, now_ms: i128) -> Cell {
    let Some(raw) = token.expiry_time.as_deref() else {
        return Cell::styled(ABSENT, DIM);
    };
    match expiry::relative(raw, now_ms) {
        Some(text) if text.starts_with("expired") => Cell::styled(text, EXPIRED),
        Some(text) => Cell::new(text),
        None => Cell::new(output::printable(raw)),
    }
}

/// When a refresh-ahead service with the default margin renews the token ("in 55 min", "due"),
/// or "—" when it never does.
fn renews_cell(token: &Token, now_ms: i128) -> Cell {
    match token.renewal_due_at(tokenvault::DEFAULT_RENEWAL_MARGIN) {
        None => Cell::styled(ABSENT, DIM),
        Some(at) => Cell::new(expiry::renews(at, now_ms)),
    }
}

/// Which secrets a token holds, by name only: "secret refresh access".
fn present_secrets(token: &Token) -> String {
    let present: Vec<&str> = SECRET_FIELDS
        .iter()
        .zip(SECRET_NAMES)
        .filter(|(field, _)| token.field(field).is_some())
        .map(|(_, name)| name)
        .collect();
    if present.is_empty() {
        ABSENT.to_string()
    } else {
        present.join(" ")
    }
}

pub(crate) fn get(global: &GlobalArgs, id: &str, reveal: bool) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open(global)?;
    let token = vault
        .find_token_by_id(id)
        .map_err(|e| vault_error(e, path))?;
    let leases = leases_by_id(&vault, path)?;
    if global.json {
        return output::print_json(&token_json(&token, reveal, &leases));
    }
    output::print_token(&token, reveal, expiry::now_ms())?;
    if let Some(at) = token.renewal_due_at(tokenvault::DEFAULT_RENEWAL_MARGIN) {
        output::print_field(
            "renews",
            &format!(
                "{} (by a refresh-ahead service with the default margin)",
                expiry::renews(at, expiry::now_ms())
            ),
        )?;
    }
    if let Some(lease) = token.id.as_ref().and_then(|id| leases.get(id)) {
        output::print_field("refresh", &output::lease_text(lease))?;
    }
    Ok(())
}

pub(crate) fn delete(global: &GlobalArgs, id: &str) -> Result<(), CliError> {
    let path = &global.shown();
    vault::open(global)?
        .delete_token(id)
        .map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({ "deleted": id }));
    }
    output::status(format!("Deleted token {}.", output::printable(id)));
    Ok(())
}

pub(crate) fn clear(global: &GlobalArgs, yes: bool) -> Result<(), CliError> {
    let path = &global.shown();
    if !yes {
        return Err(CliError::failure(format!(
            "`clear` deletes every token in {}; run it again with --yes to confirm",
            path.display()
        )));
    }
    let vault = vault::open(global)?;
    let count = vault.len().map_err(|e| vault_error(e, path))?;
    vault.delete_tokens().map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({ "deleted_count": count }));
    }
    output::status(format!(
        "Deleted {count} token{} from {}.",
        if count == 1 { "" } else { "s" },
        path.display()
    ));
    Ok(())
}
