//! The client's errors as vault errors: what the server said (by SQLSTATE), or what happened to
//! the connection, and what that means for the transaction (rolled back, or outcome unknown).
//! Never `Corrupted`: that is for bytes that fail their checks, not for a server's trouble.

use std::time::Duration;

use tokio_postgres::error::SqlState;

pub(super) use crate::engines::server_url::Phase;
use crate::engines::server_url::connection_lost;
use crate::error::Error;

/// What went wrong with a call to the server.
#[derive(Debug)]
pub(super) enum Failure {
    /// The client's error: the server's, or the connection's.
    Client(tokio_postgres::Error),
    /// No answer within the bound on every call (the busy timeout plus the connect timeout).
    TimedOut(Duration),
    /// The operating system refused what a connection's runtime needs (an epoll descriptor).
    Runtime(std::io::Error),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Failure {
        Failure::Client(e)
    }
}

impl Failure {
    /// The server's SQLSTATE, if the server answered with an error.
    pub(super) fn code(&self) -> Option<&SqlState> {
        match self {
            Failure::Client(e) => e.code(),
            Failure::TimedOut(_) | Failure::Runtime(_) => None,
        }
    }

    /// Whether the connection can serve another transaction after this (the server answered; a
    /// connection that timed out may still be running the statement, so it is dropped).
    pub(super) fn leaves_connection_usable(&self) -> bool {
        matches!(self, Failure::Client(e) if e.as_db_error().is_some() && !e.is_closed())
            && !self.code().is_some_and(is_connection_loss)
    }
}

/// `e` and the errors that caused it ("error performing TLS handshake: invalid peer
/// certificate: UnknownIssuer"); the client's errors say what failed, never a password.
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.ends_with(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}

/// SQLSTATEs that mean the session is gone: class 08 (connection exception) and the server
/// shutting down or terminating the backend.
fn is_connection_loss(code: &SqlState) -> bool {
    code.code().starts_with("08")
        || *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CRASH_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
}

/// The start of the message of a transaction rolled back to break a deadlock or keep
/// transactions serializable (`txn::is_retryable` finds it again).
pub(super) const ROLLED_BACK_TO_SERIALIZE: &str =
    "the server rolled this transaction back to keep transactions serializable";

/// Turns the client's errors into typed vault errors.
#[derive(Clone)]
pub(super) struct Errors {
    pub(super) shown: String,
    pub(super) busy_timeout: Duration,
}

impl Errors {
    pub(super) fn map(&self, phase: Phase, failure: Failure) -> Error {
        let lost = |detail: String| connection_lost(phase, &self.shown, detail);
        let e = match failure {
            Failure::TimedOut(after) => {
                return lost(format!("the server did not answer within {after:?}"));
            }
            Failure::Runtime(e) => return lost(format!("no runtime for the connection: {e}")),
            Failure::Client(e) => e,
        };
        let Some(db) = e.as_db_error() else {
            // No answer from the server: refused, reset, closed, a TLS failure.
            return lost(with_causes(&e));
        };
        let said = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        let code = db.code();
        if is_connection_loss(code) {
            lost(said)
        } else if *code == SqlState::LOCK_NOT_AVAILABLE {
            Error::Busy {
                waited: self.busy_timeout,
            }
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            Error::VaultNotFound {
                location: self.shown.clone(),
            }
        } else if *code == SqlState::UNDEFINED_TABLE {
            Error::NotAVault {
                location: self.shown.clone(),
            }
        } else if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            Error::Server {
                what: format!("{ROLLED_BACK_TO_SERIALIZE} ({said}); nothing was changed, retry"),
            }
        } else if *code == SqlState::QUERY_CANCELED && phase != Phase::Commit {
            Error::Server {
                what: format!(
                    "the server canceled the statement (its statement timeout, or an administrator): {said}; the transaction was rolled back, so the vault is as it was"
                ),
            }
        } else {
            Error::Server { what: said }
        }
    }
}
