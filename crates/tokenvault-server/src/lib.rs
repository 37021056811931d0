//! `tokenvault serve`: one unlocked vault behind a local socket, for the Zoho SDKs of every
//! language (docs/PROTOCOL.md is the contract; README "One service for every language").
//!
//! The service holds one [`tokenvault::Vault`] and answers HTTP/1.1 requests with JSON bodies
//! on a Unix socket (and, optionally, loopback TCP with a bearer token). Every token rule is the
//! library's: a request becomes a library call (a find of a due token: the lookup, then the
//! coordinated find).
//!
//! Modules, one concept each:
//! - `config.rs`: what it is asked for, and why it may not start;
//! - `listen.rs`: where it listens (socket file, loopback TCP, systemd activation);
//! - `access.rs`: who may use it (peer user ids, the bearer token);
//! - `wire.rs`: the token as JSON; `errors.rs`: every error answer and its stable code;
//! - `api.rs`: the endpoints; `metrics.rs`: Prometheus metrics;
//! - `refresh_ahead/`: renewing tokens before they expire (`--refresh-ahead`);
//! - `vault_handle.rs`: the vault held, re-keyed on SIGHUP and reopened after a key change;
//! - `server.rs`: connections, limits, timeouts, signals and the drain on SIGTERM.

#![forbid(unsafe_code)]

mod access;
mod api;
mod config;
mod errors;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod listen;
mod metrics;
mod refresh_ahead;
mod server;
mod vault_handle;
mod wire;

use std::time::Duration;

pub use api::MAX_BODY;
pub use config::{BearerToken, LogFormat, ServeConfig, ServeError, SocketChoice, group_id};
pub use listen::default_socket_path;
pub use refresh_ahead::{
    AccountsUrlError, DEFAULT_MARGIN, MAX_MARGIN, RefreshAheadConfig, check_accounts_url,
};
pub use vault_handle::{CredentialReader, Opener};

/// Serves `vault` (unlocked with `credential`, reopened through `opener`) until SIGTERM or
/// SIGINT, then drains requests in flight and returns.
pub fn serve(
    config: ServeConfig,
    vault: tokenvault::Vault,
    credential: tokenvault::Credential,
    opener: Opener,
) -> Result<(), ServeError> {
    server::init_logging(config.log_format, config.verbose);
    // Every request in flight may hold a blocking thread (a coordinated find waiting for another
    // caller's save): with one per connection and some to spare, the save that ends a wait is
    // never queued behind the waiters it would release.
    let blocking_threads = config.max_connections.saturating_add(16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(blocking_threads)
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
