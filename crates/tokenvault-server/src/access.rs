//! Who may use the service (docs/PROTOCOL.md §Access):
//! - over the Unix socket, a peer whose user id (`SO_PEERCRED`, from the kernel, not from the
//!   client) is on the allow list, or whose group id is; by default the service's own user only.
//!   The socket file's mode (0600 unless widened) is the first gate, this is the second;
//! - over loopback TCP, a request with `Authorization: Bearer <token>` holding the service's
//!   bearer token, compared in constant time.

use std::net::SocketAddr;
use std::path::Path;

use axum::http::{HeaderMap, header};
use blake2::{Blake2b512, Digest};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::ServeError;
use crate::errors::ApiError;

/// The client at the other end of a connection.
#[derive(Clone, Copy, Debug)]
pub enum Peer {
    /// A Unix socket peer, as the kernel reports it.
    Unix { uid: u32, gid: u32 },
    /// A loopback TCP peer.
    Tcp { address: SocketAddr },
}

impl std::fmt::Display for Peer {
    /// How a log line names the peer: a user and group id, or a loopback address.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Peer::Unix { uid, gid } => write!(f, "uid {uid} gid {gid}"),
            Peer::Tcp { address } => write!(f, "tcp {address}"),
        }
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

    fn new(token: &[u8]) -> BearerToken {
        BearerToken {
            digest: Blake2b512::digest(token).into(),
        }
    }

    fn matches(&self, given: &[u8]) -> bool {
        let given: [u8; 64] = Blake2b512::digest(given).into();
        self.digest.ct_eq(&given).into()
    }
}

/// The allow lists.
#[derive(Debug)]
pub struct Access {
    /// User ids allowed over the Unix socket.
    pub uids: Vec<u32>,
    /// Group ids allowed over the Unix socket.
    pub gids: Vec<u32>,
    /// The token TCP requests must carry.
    pub bearer: Option<BearerToken>,
}

impl Access {
    /// Whether the request from `peer` with `headers` may be served.
    pub fn check(&self, peer: &Peer, headers: &HeaderMap) -> Result<(), ApiError> {
        match peer {
            Peer::Unix { uid, gid } => {
                if self.uids.contains(uid) || self.gids.contains(gid) {
                    Ok(())
                } else {
                    Err(ApiError::forbidden_peer(*uid))
                }
            }
            Peer::Tcp { .. } => {
                let given = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
                match (&self.bearer, given) {
                    (Some(bearer), Some(given)) if bearer.matches(given) => Ok(()),
                    _ => Err(ApiError::unauthorized()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = authorization {
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn a_tcp_request_needs_the_exact_bearer_token() {
        let access = Access {
            uids: vec![],
            gids: vec![],
            bearer: Some(BearerToken::new(b"0123456789abcdef0123456789")),
        };
        let tcp = Peer::Tcp {
            address: "127.0.0.1:1".parse().unwrap(),
        };
        assert!(
            access
                .check(&tcp, &headers(Some("Bearer 0123456789abcdef0123456789")))
                .is_ok()
        );
        for wrong in [
            None,
            Some("Bearer 0123456789abcdef012345678"),
            Some("Basic x"),
            Some("Bearer "),
        ] {
            assert_eq!(
                access.check(&tcp, &headers(wrong)).unwrap_err().code(),
                "unauthorized"
            );
        }
    }

    #[test]
    fn a_unix_peer_is_allowed_by_its_uid_or_gid_only() {
        let access = Access {
            uids: vec![1000],
            gids: vec![50],
            bearer: None,
        };
        assert!(
            access
                .check(&Peer::Unix { uid: 1000, gid: 1 }, &headers(None))
                .is_ok()
        );
        assert!(
            access
                .check(&Peer::Unix { uid: 7, gid: 50 }, &headers(None))
                .is_ok()
        );
        let refused = access
            .check(&Peer::Unix { uid: 7, gid: 7 }, &headers(None))
            .unwrap_err();
        assert_eq!(refused.code(), "peer_not_allowed");
    }

    #[test]
    fn the_bearer_token_never_shows_in_debug() {
        let token = BearerToken::new(b"0123456789abcdef0123456789");
        assert_eq!(format!("{token:?}"), "BearerToken(<redacted>)");
    }
}
