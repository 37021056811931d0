//! What `tokenvault serve` is asked for ([`ServeConfig`]) and why it may not start
//! ([`ServeError`]): the options the CLI parses, checked before the vault is unlocked.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use blake2::{Blake2b512, Digest};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Where the Unix socket goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketChoice {
    /// [`default_socket_path`](crate::default_socket_path).
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
    /// Renew tokens before they expire (`--refresh-ahead`); off by default.
    pub refresh_ahead: Option<crate::RefreshAheadConfig>,
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
            refresh_ahead: None,
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
    /// Refresh ahead cannot start (its HTTP client).
    #[error("refresh ahead cannot start: {0}")]
    RefreshAhead(String),
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

/// The longest bearer token file read; a token is a few dozen characters.
const BEARER_FILE_LIMIT: usize = 4096;
/// The shortest bearer token accepted: 128 bits as hex, 22 characters of base64.
const BEARER_MIN_LEN: usize = 22;

/// The bearer token, kept only as its BLAKE2b digest: comparing digests in constant time leaks
/// neither the token's bytes nor its length.
pub struct BearerToken {
    digest: [u8; 64],
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

impl BearerToken {
    /// The token in the first line of `path`, a regular file only its owner may read.
    pub fn from_file(path: &Path) -> Result<BearerToken, ServeError> {
        let failed = |what: String| ServeError::BearerTokenFile {
            path: path.to_path_buf(),
            what,
        };
        if let Some(warning) = tokenvault::secret_file_warning(path, "the bearer token file") {
            return Err(failed(format!("refused: {warning}")));
        }
        let bytes = tokenvault::read_secret_file(path, BEARER_FILE_LIMIT)
            .map_err(|e| failed(e.to_string()))?;
        if bytes.len() > BEARER_FILE_LIMIT {
            return Err(failed(format!("it is over {BEARER_FILE_LIMIT} bytes")));
        }
        let text = std::str::from_utf8(bytes.expose())
            .map_err(|_| failed("it is not UTF-8 text".to_string()))?;
        let token = Zeroizing::new(text.lines().next().unwrap_or("").trim().to_string());
        if token.len() < BEARER_MIN_LEN {
            return Err(failed(format!(
                "its first line holds {} characters, fewer than {BEARER_MIN_LEN}: make one with `head -c 32 /dev/urandom | base64 > FILE`",
                token.len()
            )));
        }
        Ok(BearerToken::new(token.as_bytes()))
    }

    pub(crate) fn new(token: &[u8]) -> BearerToken {
        BearerToken {
            digest: Blake2b512::digest(token).into(),
        }
    }

    pub(crate) fn matches(&self, given: &[u8]) -> bool {
        let given: [u8; 64] = Blake2b512::digest(given).into();
        self.digest.ct_eq(&given).into()
    }
}
