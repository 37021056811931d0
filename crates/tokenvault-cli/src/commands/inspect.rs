//! Looking at the vault as a whole: `info` (no passphrase needed) and `verify`.

use std::io::Write;

use indicatif::HumanBytes;
use serde_json::json;
use tokenvault::Vault;

use crate::CliError;
use crate::args::GlobalArgs;
use crate::error::{Exit, not_found_vault, vault_error};
use crate::output::{self, BOLD};
use crate::output::{describe_slot, slot_json, timestamp};
use crate::vault;

pub(crate) fn info(global: &GlobalArgs, unlock: bool) -> Result<(), CliError> {
    let path = &global.shown();
    let location = global.location();
    if let Some(file) = location.as_path() {
        if !file.exists() {
            return Err(not_found_vault(file));
        }
    }
    let server = location.is_server();
    // The next renewal a refresh-ahead service with the default margin makes: the tokens are
    // read, so only with --unlock.
    let (info, next_renewal) = if unlock {
        let vault = vault::open(global)?;
        let info = vault.info().map_err(|e| vault_error(e, path))?;
        let schedule = vault
            .renewal_schedule(tokenvault::DEFAULT_RENEWAL_MARGIN)
            .map_err(|e| vault_error(e, path))?;
        (
            info,
            schedule
                .first()
                .map(|s| (s.token_id.clone(), s.due_unix_ms)),
        )
    } else {
        let info = Vault::inspect(location).map_err(|e| vault_error(e, path))?;
        (info, None)
    };
    let created = timestamp(info.created_unix);
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "format_version": info.format_version,
            "store_id": info.store_id,
            "slots": info.slots.iter().map(slot_json).collect::<Vec<_>>(),
            "created": created,
            "created_unix": info.created_unix,
            "generation": info.generation,
            "encryption_count": info.seal_count,
            "token_count": info.token_count,
            "file_size": info.file_size,
            "refresh_leases": info.refresh_leases.iter().map(output::lease_json).collect::<Vec<_>>(),
            "next_renewal": next_renewal.as_ref().map(|(id, at)| json!({"token_id": id, "unix_ms": at})),
            "authenticated": unlock,
        }));
    }
    let authenticated = if unlock {
        "yes (unlocked)".to_string()
    } else {
        "no: counters as stored (`tokenvault info --unlock` checks them)".to_string()
    };
    let mut rows = vec![
        ("vault", path.display().to_string()),
        ("format version", info.format_version.to_string()),
        ("store id", info.store_id.clone()),
        ("key slots", describe_slots(&info.slots)),
        ("created", created),
        ("generation", info.generation.to_string()),
        ("encryptions", info.seal_count.to_string()),
        ("tokens", info.token_count.to_string()),
        (
            if server { "table size" } else { "file size" },
            format!("{} ({} bytes)", HumanBytes(info.file_size), info.file_size),
        ),
        ("refreshing", refreshing(&info.refresh_leases)),
        ("authenticated", authenticated),
    ];
    if unlock {
        let next = match &next_renewal {
            Some((id, at)) => format!(
                "token {id}, {} (by a refresh-ahead service with the default margin)",
                crate::expiry::renews(*at, crate::expiry::now_ms())
            ),
            None => "none (no token with a refresh token and an expiry)".to_string(),
        };
        rows.insert(rows.len() - 1, ("next renewal", next));
    }
    let mut out = output::stdout();
    for (key, value) in rows {
        writeln!(out, "{BOLD}{key:<14}{BOLD:#}  {value}")?;
    }
    out.flush()?;
    Ok(())
}

/// "passphrase (Argon2id, 64 MiB, …); worker (key file)".
fn describe_slots(slots: &[tokenvault::SlotInfo]) -> String {
    slots
        .iter()
        .map(|slot| format!("{} ({})", slot.name, describe_slot(slot)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The tokens being refreshed now, and by whom: "none", or "token 1 (being refreshed by …)".
fn refreshing(leases: &[tokenvault::RefreshLease]) -> String {
    if leases.is_empty() {
        return "none".to_string();
    }
    leases
        .iter()
        .map(|lease| format!("token {} ({})", lease.token_id, output::lease_text(lease)))
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn verify(global: &GlobalArgs) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open(global)?;
    let report = vault.verify().map_err(|e| vault_error(e, path))?;
    if global.json {
        output::print_json(&json!({
            "vault": path.display().to_string(),
            "ok": report.is_ok(),
            "records_ok": report.records_ok,
            "index_entries": report.index_entries,
            "problems": report.problems,
        }))?;
    } else {
        let mut out = output::stdout();
        writeln!(
            out,
            "{}: {} records decrypted, {} index entries checked, {} problem{}",
            path.display(),
            report.records_ok,
            report.index_entries,
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" }
        )?;
        for problem in &report.problems {
            writeln!(out, "  problem: {}", output::printable(problem))?;
        }
        out.flush()?;
    }
    if report.is_ok() {
        Ok(())
    } else {
        Err(CliError::new(
            Exit::Corrupted,
            format!(
                "{} failed verification ({} problem{}); restore it from a backup",
                path.display(),
                report.problems.len(),
                if report.problems.len() == 1 { "" } else { "s" }
            ),
        ))
    }
}
