//! `tokenvault serve`'s options: where it listens, who may connect, its limits and its log.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse_seconds;

/// The options of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The Unix socket to listen on [default: $XDG_RUNTIME_DIR/tokenvault.sock, else
    /// /run/tokenvault/tokenvault.sock]
    #[arg(
        long,
        value_name = "PATH",
        env = "TOKENVAULT_SOCKET",
        conflicts_with = "no_socket"
    )]
    pub(crate) socket: Option<PathBuf>,
    /// Listen on no Unix socket (TCP only: needs --listen)
    #[arg(long, requires = "listen")]
    pub(crate) no_socket: bool,
    /// The socket file's mode, in octal (widen it with --socket-group and --allow-gid)
    #[arg(long, value_name = "OCTAL", default_value = "600", value_parser = parse_mode)]
    pub(crate) socket_mode: u32,
    /// Give the socket file this group
    #[arg(long, value_name = "NAME")]
    pub(crate) socket_group: Option<String>,
    /// Also allow this user id over the socket (repeatable; the service's own is always allowed)
    #[arg(long, value_name = "UID")]
    pub(crate) allow_uid: Vec<u32>,
    /// Also allow processes whose primary group id is this one (repeatable; SO_PEERCRED reports
    /// the primary group only, not supplementary ones)
    #[arg(long, value_name = "GID")]
    pub(crate) allow_gid: Vec<u32>,
    /// Also listen on this loopback TCP address (e.g. 127.0.0.1:8731); needs --bearer-token-file
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) listen: Option<SocketAddr>,
    /// The file whose first line is the bearer token TCP clients must send (mode 0600)
    #[arg(long, value_name = "PATH", env = "TOKENVAULT_BEARER_TOKEN_FILE")]
    pub(crate) bearer_token_file: Option<PathBuf>,
    /// Connections open at once; more are closed at once
    #[arg(long, value_name = "N", default_value = "256", value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub(crate) max_connections: u32,
    /// Seconds a client may take to send a request's headers
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub(crate) header_timeout: Duration,
    /// Seconds a client may take to send a request's body
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub(crate) body_timeout: Duration,
    /// Seconds SIGTERM waits for requests in flight
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub(crate) drain_timeout: Duration,
    /// Seconds a caller's claim to refresh a token stands without its save (at most 60)
    #[arg(long, value_name = "SECONDS", value_parser = parse_lease)]
    pub(crate) refresh_lease: Option<Duration>,
    /// Renew every token with a refresh token MARGIN before it expires (default 5m; e.g. 90s,
    /// 10m): one call to Zoho's accounts server per expiry, under the refresh lease. Events go to
    /// stdout as JSON lines
    #[arg(
        long,
        value_name = "MARGIN",
        num_args = 0..=1,
        default_missing_value = "5m",
        value_parser = parse_margin
    )]
    pub(crate) refresh_ahead: Option<Duration>,
    /// The accounts server refresh ahead calls for every token (https://HOST, or http:// on
    /// loopback), instead of each token's data center's
    #[arg(long, value_name = "URL", requires = "refresh_ahead", value_parser = parse_accounts_url)]
    pub(crate) accounts_url: Option<String>,
    /// A shell command run after each refresh-ahead failure, with TOKENVAULT_TOKEN_ID,
    /// TOKENVAULT_OUTCOME and TOKENVAULT_FAILURES in its environment (never a secret)
    #[arg(long, value_name = "COMMAND", requires = "refresh_ahead")]
    pub(crate) on_failure: Option<String>,
    /// Put user names into refresh-ahead events and the --on-failure environment
    /// (TOKENVAULT_USER_NAME)
    #[arg(long, requires = "refresh_ahead")]
    pub(crate) refresh_events_user_names: bool,
    /// Log lines as text or as one JSON object each (on stderr)
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub(crate) log_format: LogFormatArg,
    /// Log every request, not only failures and the service's life
    #[arg(long)]
    pub(crate) verbose: bool,
}

/// `--log-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormatArg {
    /// One readable line per event
    Text,
    /// One JSON object per line
    Json,
}

fn parse_mode(text: &str) -> Result<u32, String> {
    match u32::from_str_radix(text, 8) {
        Ok(mode) if mode <= 0o777 => Ok(mode),
        _ => Err(format!("{text:?} is not a file mode such as 600 or 660")),
    }
}

/// A refresh lease: more than 0 (a lease of 0 never stands, so every caller would refresh) and
/// at most the library's maximum.
fn parse_lease(text: &str) -> Result<Duration, String> {
    let lease = parse_seconds(text)?;
    if lease.is_zero() || lease > tokenvault::MAX_REFRESH_LEASE {
        return Err(format!(
            "{text:?}: a refresh lease is more than 0 and at most {} seconds",
            tokenvault::MAX_REFRESH_LEASE.as_secs()
        ));
    }
    Ok(lease)
}

/// A refresh-ahead margin: a number with a unit (`90s`, `5m`, `1h`; a bare number is seconds),
/// at least the SDK's own margin plus a second and at most `tokenvault_server::MAX_MARGIN`.
fn parse_margin(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let (number, unit) = match trimmed.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => trimmed.split_at(at),
        None => (trimmed, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("{text:?}: give a duration such as 90s, 5m or 1h")),
    };
    let seconds: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: give a duration such as 90s, 5m or 1h"))?;
    let margin = Duration::try_from_secs_f64(seconds * scale)
        .map_err(|_| format!("{text:?}: give a duration such as 90s, 5m or 1h"))?;
    let (least, most) = (
        tokenvault::MIN_RENEWAL_MARGIN,
        tokenvault_server::MAX_MARGIN,
    );
    if margin < least || margin > most {
        return Err(format!(
            "{text:?}: a refresh-ahead margin is at least {}s (the SDK refreshes on its own 5 s before expiry) and at most {}m",
            least.as_secs(),
            most.as_secs() / 60
        ));
    }
    Ok(margin)
}

fn parse_accounts_url(text: &str) -> Result<String, String> {
    tokenvault_server::check_accounts_url(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_margin_is_a_duration_between_the_sdks_margin_and_half_an_hour() {
        assert_eq!(parse_margin("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_margin("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_margin("120"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_margin("0.5h"), Ok(Duration::from_secs(1800)));
        assert!(parse_margin("5s").is_err());
        assert!(parse_margin("31m").is_err());
        assert!(parse_margin("5 minutes").is_err());
        assert!(parse_margin("-1m").is_err());
    }
}
