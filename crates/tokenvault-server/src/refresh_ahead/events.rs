//! What refresh ahead tells the operator: one JSON line on stdout per renewal and per failure,
//! and the `--on-failure` command. Neither ever carries a secret: the token id, the user name
//! only when asked for (`--refresh-events-user-names`), the outcome, times and counts.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Map, Value, json};

/// How long the `--on-failure` command may run before it is killed.
const HOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// One event.
pub(crate) struct Event<'a> {
    pub(crate) token_id: &'a str,
    pub(crate) user_name: Option<&'a str>,
    pub(crate) outcome: &'static str,
    /// Token-time epoch milliseconds.
    pub(crate) at_unix_ms: u64,
    /// When the next attempt is (token time), if any.
    pub(crate) next_attempt_unix_ms: Option<u64>,
    /// Consecutive failures of this token so far (0 after a renewal).
    pub(crate) failures: u32,
    /// The new expiry, after a renewal.
    pub(crate) expiry_unix_ms: Option<u64>,
}

impl Event<'_> {
    fn to_json(&self) -> Value {
        let mut line = Map::new();
        line.insert("event".into(), json!("refresh_ahead"));
        line.insert("token_id".into(), json!(self.token_id));
        if let Some(user) = self.user_name {
            line.insert("user_name".into(), json!(user));
        }
        line.insert("outcome".into(), json!(self.outcome));
        line.insert("at_unix_ms".into(), json!(self.at_unix_ms));
        if let Some(expiry) = self.expiry_unix_ms {
            line.insert("expiry_unix_ms".into(), json!(expiry));
        }
        line.insert("failures".into(), json!(self.failures));
        line.insert(
            "next_attempt_unix_ms".into(),
            self.next_attempt_unix_ms
                .map_or(Value::Null, |at| json!(at)),
        );
        Value::Object(line)
    }

    /// The event's line, newline included.
    pub(crate) fn line(&self) -> String {
        let mut text = self.to_json().to_string();
        text.push('\n');
        text
    }
}

/// Writes an event line to stdout in one write (a closed stdout loses the line, not the
/// service). Blocking (a pipe nobody reads fills up): call it off the runtime's workers.
pub(crate) fn write_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes()).and_then(|()| out.flush());
}

/// Runs `command` with `sh -c`, the failure in its environment: `TOKENVAULT_TOKEN_ID`,
/// `TOKENVAULT_OUTCOME`, `TOKENVAULT_FAILURES`, and `TOKENVAULT_USER_NAME` when user names were
/// asked for. The service's own `TOKENVAULT_*` variables (a passphrase among them) are removed
/// from it; stdin is empty; it is killed after [`HOOK_TIMEOUT`]. Blocking: call it off the
/// runtime's workers.
pub(crate) fn run_hook(command: &str, event: &Event<'_>) {
    let mut hook = Command::new("/bin/sh");
    hook.arg("-c").arg(command).stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TOKENVAULT_") {
            hook.env_remove(&name);
        }
    }
    hook.env("TOKENVAULT_TOKEN_ID", event.token_id)
        .env("TOKENVAULT_OUTCOME", event.outcome)
        .env("TOKENVAULT_FAILURES", event.failures.to_string());
    if let Some(user) = event.user_name {
        hook.env("TOKENVAULT_USER_NAME", user);
    }
    let mut child = match hook.spawn() {
        Ok(child) => child,
        Err(e) => {
            tracing::warn!(error = %e, "the --on-failure command could not start");
            return;
        }
    };
    let until = std::time::Instant::now() + HOOK_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                if !status.success() {
                    tracing::warn!(%status, "the --on-failure command failed");
                }
                return;
            }
            Ok(None) if std::time::Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                tracing::warn!("the --on-failure command ran past {HOOK_TIMEOUT:?} and was killed");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_the_user_only_when_asked_to() {
        let event = Event {
            token_id: "7",
            user_name: None,
            outcome: "revoked",
            at_unix_ms: 5,
            next_attempt_unix_ms: None,
            failures: 1,
            expiry_unix_ms: None,
        };
        let line = event.to_json();
        assert_eq!(line["token_id"], "7");
        assert_eq!(line["outcome"], "revoked");
        assert!(line.get("user_name").is_none());
        assert!(line["next_attempt_unix_ms"].is_null());
        let named = Event {
            user_name: Some("ann@zylker.com"),
            ..event
        };
        assert_eq!(named.to_json()["user_name"], "ann@zylker.com");
    }
}
