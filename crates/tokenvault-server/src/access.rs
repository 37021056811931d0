//! Who may use the service (docs/PROTOCOL.md §Access):
//! - over the Unix socket, a peer whose user id (`SO_PEERCRED`, from the kernel, not from the
//!   client) is on the allow list, or whose group id is; by default the service's own user only.
//!   The socket file's mode (0600 unless widened) is the first gate, this is the second;
//! - over loopback TCP, a request with `Authorization: Bearer <token>` holding the service's
//!   bearer token, compared in constant time.

use std::net::SocketAddr;

use axum::http::{HeaderMap, header};

use crate::config::BearerToken;
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
