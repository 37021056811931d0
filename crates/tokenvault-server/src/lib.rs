//! `tokenvault serve`: one unlocked vault behind a local socket, for the Zoho SDKs of every
//! language (docs/PROTOCOL.md is the contract; README "One service for every language").
//!
//! The service holds one [`tokenvault::Vault`] and answers HTTP/1.1 requests with JSON bodies
//! on a Unix socket (and, optionally, loopback TCP with a bearer token). Every token rule is the
//! library's: a request becomes one library call.
//!
//! Modules, one concept each:
//! - `listen.rs`: where it listens (socket file, loopback TCP, systemd activation);
//! - `access.rs`: who may use it (peer user ids, the bearer token);
//! - `wire.rs`: the token as JSON; `errors.rs`: every error answer and its stable code;
//! - `api.rs`: the endpoints; `metrics.rs`: Prometheus metrics;
//! - `vault_handle.rs`: the vault held, re-keyed on SIGHUP and reopened after a key change;
//! - `server.rs`: connections, limits, timeouts, signals and the drain on SIGTERM.

#![forbid(unsafe_code)]

mod access;
mod api;
mod errors;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod listen;
mod metrics;
mod server;
mod vault_handle;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use access::BearerToken;
pub use api::MAX_BODY;
pub use listen::default_socket_path;
pub use vault_handle::{CredentialReader, Opener};

/// Where the Unix socket goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketChoice {
    /// [`default_socket_path`].
    Default,
    /// This path.
    Path(PathBuf),
    /// No Unix socket (TCP only).
    None,
}

/// How log lines are written (to stderr).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// What `tokenvault serve` was asked for. [`ServeConfig::new`] gives the defaults.
#[derive(Debug)]
pub struct ServeConfig {
    /// The Unix socket (ignored when systemd passes sockets).
    pub socket: SocketChoice,
    /// The socket file's mode (0600 by default).
    pub socket_mode: u32,
    /// The socket file's group, to let its members connect (with `allow_gids`).
    pub socket_gid: Option<u32>,
    /// A loopback TCP address to listen on as well.
    pub tcp: Option<SocketAddr>,
    /// The token TCP requests must carry (required with `tcp`).
    pub bearer: Option<BearerToken>,
    /// User ids allowed over the Unix socket (the service's own by default).
    pub allow_uids: Vec<u32>,
    /// Group ids allowed over the Unix socket (none by default).
    pub allow_gids: Vec<u32>,
    /// Connections open at once; one over it is closed at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (and, between requests on a
    /// kept-alive connection, to start the next one).
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_timeout: Duration,
    /// How long SIGTERM waits for requests in flight.
    pub drain_timeout: Duration,
    /// Log format.
    pub log_format: LogFormat,
    /// Log each request (at debug level), not only failures and lifecycle events.
    pub verbose: bool,
}

impl ServeConfig {
    /// The defaults: the default socket, mode 0600, this user only, no TCP, 256 connections,
    /// 10 s for headers and for a body, 30 s to drain.
    pub fn new() -> Self {
        ServeConfig {
            socket: SocketChoice::Default,
            socket_mode: 0o600,
            socket_gid: None,
            tcp: None,
            bearer: None,
            allow_uids: vec![nix::unistd::getuid().as_raw()],
            allow_gids: Vec::new(),
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(30),
            log_format: LogFormat::Text,
            verbose: false,
        }
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig::new()
    }
}

/// Why the service could not start (once it has started, it reports problems per request and
/// in its log, and keeps serving).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The Unix socket cannot be set up.
    #[error("socket {path}: {what}")]
    Socket { path: PathBuf, what: String },
    /// The TCP address cannot be used.
    #[error("--listen {address}: {what}")]
    Tcp { address: SocketAddr, what: String },
    /// TCP without a bearer token.
    #[error(
        "listening on TCP needs a bearer token: give --bearer-token-file FILE (one line of at least 22 characters, mode 0600)"
    )]
    BearerRequired,
    /// The bearer token file cannot be used.
    #[error("bearer token file {path}: {what}")]
    BearerTokenFile { path: PathBuf, what: String },
    /// A socket systemd passed cannot be used.
    #[error("socket {index} passed by systemd (LISTEN_FDS): {what}")]
    Activation { index: usize, what: String },
    /// No listener at all.
    #[error("nothing to listen on: give --socket or --listen")]
    NoListener,
    /// A group name that does not exist.
    #[error("no group named {0:?}")]
    NoSuchGroup(String),
    /// The runtime could not start.
    #[error("cannot start the service's runtime: {0}")]
    Runtime(std::io::Error),
}

/// The id of the group named `name` (for `--socket-group`).
pub fn group_id(name: &str) -> Result<u32, ServeError> {
    match nix::unistd::Group::from_name(name) {
        Ok(Some(group)) => Ok(group.gid.as_raw()),
        _ => Err(ServeError::NoSuchGroup(name.to_string())),
    }
}

/// Serves `vault` (unlocked with `credential`, reopened through `opener`) until SIGTERM or
/// SIGINT, then drains requests in flight and returns.
pub fn serve(
    config: ServeConfig,
    vault: tokenvault::Vault,
    credential: tokenvault::Credential,
    opener: Opener,
) -> Result<(), ServeError> {
    server::init_logging(config.log_format, config.verbose);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tokenvault-serve")
        .build()
        .map_err(ServeError::Runtime)?;
    let served = runtime.block_on(server::run(
        config,
        vault_handle::VaultHandle::new(vault, credential, opener),
    ));
    // The drain is over (or its time is): a vault call still running on the blocking pool (a
    // find waiting for another caller's lease) answers nobody, so it does not hold up the exit.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served
}
