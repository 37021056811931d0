//! Where output goes and how it looks: data on stdout (human or one JSON document), messages on
//! stderr, colour only where `--color`, `NO_COLOR` and the terminal allow it, and no control
//! character from a stored value ever reaching the terminal.

use std::io::Write;

use anstyle::{AnsiColor, Style};
use serde_json::{Map, Value, json};
use std::time::{Duration, UNIX_EPOCH};

use tokenvault::{KdfParams, RefreshLease, SlotInfo, SlotKind, Token};

use crate::CliError;
use crate::args::ColorWhen;
use crate::error::describe_kdf;
use crate::expiry;

/// Shown in place of a secret that `--reveal` was not given for.
pub(crate) const MASK: &str = "********";
/// A secret's JSON value without `--reveal`: a string no Zoho token can be.
pub(crate) const JSON_MASK: &str = "<hidden>";
/// An absent value in human output.
pub(crate) const ABSENT: &str = "-";

pub(crate) const BOLD: Style = Style::new().bold();
pub(crate) const DIM: Style = Style::new().dimmed();
pub(crate) const WARN: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
pub(crate) const EXPIRED: Style =
    Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// The secret fields, in column order.
pub(crate) const SECRET_FIELDS: [&str; 4] = [
    "client_secret",
    "refresh_token",
    "access_token",
    "grant_token",
];

pub(crate) fn set_color(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Auto => return,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Human output on stdout; styles are dropped when colour is off.
pub(crate) fn stdout() -> anstream::AutoStream<std::io::StdoutLock<'static>> {
    anstream::AutoStream::auto(std::io::stdout().lock())
}

/// Prints `value` as the command's one JSON document.
pub(crate) fn print_json(value: &Value) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// A message for the person (progress, confirmations): stderr, never mixed with data.
pub(crate) fn status(message: impl std::fmt::Display) {
    let _ = writeln!(anstream::stderr().lock(), "{message}");
}

/// A warning on stderr.
pub(crate) fn warn(message: impl std::fmt::Display) {
    let _ = writeln!(
        anstream::stderr().lock(),
        "{WARN}warning:{WARN:#} {message}"
    );
}

/// `value` with control characters escaped, so a stored value cannot move the cursor, clear
/// the screen or forge output on a terminal.
pub(crate) fn printable(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.chars().any(char::is_control) {
        return value.into();
    }
    value
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// The human form of a field: `-` when absent, masked when secret and not revealed.
pub(crate) fn human_field(token: &Token, field: &str, reveal: bool) -> String {
    match token.field(field) {
        None => ABSENT.to_string(),
        Some(_) if SECRET_FIELDS.contains(&field) && !reveal => MASK.to_string(),
        Some(value) => printable(value).into_owned(),
    }
}

/// A token as JSON: every field, `null` when absent, secrets as [`JSON_MASK`] unless revealed.
pub(crate) fn token_json(token: &Token, reveal: bool) -> Value {
    let mut map = Map::new();
    for field in Token::FIELDS {
        let value = match token.field(field) {
            None => Value::Null,
            Some(_) if SECRET_FIELDS.contains(&field) && !reveal => json!(JSON_MASK),
            Some(value) => json!(value),
        };
        map.insert(field.to_string(), value);
    }
    Value::Object(map)
}

/// Who is refreshing a token and how long its lease stands: "pid 4242 on this host, 7.2 s left".
pub(crate) fn lease_text(lease: &RefreshLease) -> String {
    format!(
        "being refreshed by pid {} on {}, lease {:.1} s left",
        lease.pid,
        if lease.this_host {
            "this host"
        } else {
            "another host"
        },
        lease.remaining.as_secs_f64()
    )
}

/// A refresh lease in `--json` output.
pub(crate) fn lease_json(lease: &RefreshLease) -> Value {
    json!({
        "token_id": lease.token_id,
        "pid": lease.pid,
        "this_host": lease.this_host,
        "taken_unix_ms": lease.taken_unix_ms,
        "remaining_ms": u64::try_from(lease.remaining.as_millis()).unwrap_or(u64::MAX),
    })
}

/// The width of the field names in [`print_token`]'s block.
fn field_width() -> usize {
    Token::FIELDS.iter().map(|f| f.len()).max().unwrap_or(0)
}

/// One more `name  value` line after a [`print_token`] block.
pub(crate) fn print_field(name: &str, value: &str) -> Result<(), CliError> {
    let mut out = stdout();
    let width = field_width();
    writeln!(out, "{BOLD}{name:<width$}{BOLD:#}  {value}")?;
    out.flush()?;
    Ok(())
}

/// A token as a block of `field  value` lines (`get`, `find`).
pub(crate) fn print_token(token: &Token, reveal: bool, now_ms: i128) -> Result<(), CliError> {
    let mut out = stdout();
    let width = field_width();
    for field in Token::FIELDS {
        let mut value = human_field(token, field, reveal);
        if field == "expiry_time" {
            if let Some(when) = token
                .expiry_time
                .as_deref()
                .and_then(|raw| expiry::describe(raw, now_ms))
            {
                value = format!("{value} ({when})");
            }
        }
        writeln!(out, "{BOLD}{field:<width$}{BOLD:#}  {value}")?;
    }
    out.flush()?;
    Ok(())
}

/// A vault's KDF parameters as JSON.
pub(crate) fn kdf_json(kdf: &KdfParams) -> Value {
    json!({
        "algorithm": "argon2id",
        "memory_kib": kdf.memory_kib,
        "iterations": kdf.iterations,
        "parallelism": kdf.parallelism,
    })
}

/// A key slot as JSON (`slot list`, `info`).
pub(crate) fn slot_json(slot: &SlotInfo) -> Value {
    json!({
        "name": slot.name,
        "kind": slot.kind.as_str(),
        "created_unix": slot.created_unix,
        "created": timestamp(slot.created_unix),
        "kdf": slot.kdf.as_ref().map(kdf_json),
    })
}

/// RFC 3339, or the raw number when it is out of range.
pub(crate) fn timestamp(unix: u64) -> String {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(unix))
        .filter(|_| unix < 253_402_300_800)
        .map(|t| humantime::format_rfc3339_seconds(t).to_string())
        .unwrap_or_else(|| unix.to_string())
}

/// What unlocks the slot: "Argon2id, 64 MiB, 3 passes, 4 lanes" or "key file".
pub(crate) fn describe_slot(slot: &SlotInfo) -> String {
    match (&slot.kdf, slot.kind) {
        (Some(kdf), _) => describe_kdf(kdf),
        (None, SlotKind::RecoveryKey) => "recovery key, no password KDF".into(),
        (None, _) => "key file, no password KDF".into(),
    }
}

/// What a slot change did about revocation (FORMAT.md §Threat model), after `slot remove` or
/// `passwd`: `old` names the credential it took away, `rotate_hint` the command that would rotate.
pub(crate) fn revocation_note(old: &str, rotated: bool, tokens: u64, rotate_hint: &str) -> String {
    if rotated {
        format!(
            "Rotated the data key: {tokens} token{} re-sealed. For anyone who cannot write the vault, {} opens nothing written from now on; copies of the vault taken before this still open with it. Its holder knew the slots' public keys, which rotation keeps: with write access they could still plant a data key of their own in the remaining slots (docs/FORMAT.md, Threat model).",
            if tokens == 1 { "" } else { "s" },
            old.to_lowercase()
        )
    } else {
        format!(
            "The data key is unchanged: {} no longer opens this vault, but still opens any copy taken before this (backups, snapshots, the old header in a freed page of a vault file until `tokenvault compact`), and through it every record, new ones included. If it may have leaked, run {rotate_hint}.",
            old.to_lowercase()
        )
    }
}

/// Prints a new recovery key on stdout (it is data, and shown this once), with what it is on
/// stderr.
pub(crate) fn show_recovery_key(
    name: &str,
    text: &tokenvault::RecoveryKeyText,
) -> Result<(), CliError> {
    status(format!(
        "Added the recovery key {BOLD}{name}{BOLD:#}. Write it down and keep it offline now: it is shown this once, and it unlocks the vault (`tokenvault --recovery-key ...`, or TOKENVAULT_RECOVERY_KEY):"
    ));
    let mut out = stdout();
    writeln!(out, "{}", text.expose())?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenvault::Secret;

    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(printable("ann@zylker.com"), "ann@zylker.com");
        assert_eq!(printable("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
    }

    #[test]
    fn json_hides_secrets_unless_revealed() {
        let t = Token {
            user_name: Some("ann".into()),
            access_token: Some(Secret::new("1000.at")),
            ..Token::default()
        };
        let hidden = token_json(&t, false);
        assert_eq!(hidden["access_token"], JSON_MASK);
        assert_eq!(hidden["refresh_token"], Value::Null);
        assert_eq!(hidden["user_name"], "ann");
        assert!(!hidden.to_string().contains("1000.at"));
        assert_eq!(token_json(&t, true)["access_token"], "1000.at");
    }
}
