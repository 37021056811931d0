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
