//! The driver's errors as vault errors: what the server said, or what happened to the
//! connection, and what that means for the transaction (rolled back, or outcome unknown).

use std::time::Duration;

use crate::engines::mysql::url::{invalid, url_error};
pub(super) use crate::engines::server_url::Phase;
use crate::engines::server_url::connection_lost;
use crate::error::Error;

/// Server error codes tokenvault gives their own meaning.
pub(super) mod code {
    pub(in crate::engines::mysql) const BAD_DB: u16 = 1049;
    pub(in crate::engines::mysql) const SERVER_SHUTDOWN: u16 = 1053;
    pub(in crate::engines::mysql) const DUP_ENTRY: u16 = 1062;
    pub(in crate::engines::mysql) const NO_SUCH_TABLE: u16 = 1146;
    pub(in crate::engines::mysql) const LOCK_WAIT_TIMEOUT: u16 = 1205;
    pub(in crate::engines::mysql) const LOCK_DEADLOCK: u16 = 1213;
    /// "Data too long for column" (strict mode, which every connection sets).
    pub(in crate::engines::mysql) const DATA_TOO_LONG: u16 = 1406;
    /// MariaDB's "Connection was killed".
    pub(in crate::engines::mysql) const CONNECTION_KILLED: u16 = 1927;
    /// MySQL's "Query execution was interrupted" (`KILL QUERY`).
    pub(in crate::engines::mysql) const QUERY_INTERRUPTED: u16 = 1317;
}

/// Turns the driver's errors into typed vault errors.
#[derive(Clone)]
pub(super) struct Errors {
    pub(super) shown: String,
    pub(super) busy_timeout: Duration,
}

impl Errors {
    pub(super) fn map(&self, phase: Phase, e: mysql::Error) -> Error {
        let lost = |detail: String| connection_lost(phase, &self.shown, detail);
        match e {
            mysql::Error::MySqlError(server) => match server.code {
                code::LOCK_WAIT_TIMEOUT => Error::Busy {
                    waited: self.busy_timeout,
                },
                code::BAD_DB => Error::VaultNotFound {
                    location: self.shown.clone(),
                },
                code::NO_SUCH_TABLE => Error::NotAVault {
                    location: self.shown.clone(),
                },
                code::CONNECTION_KILLED | code::SERVER_SHUTDOWN | code::QUERY_INTERRUPTED => {
                    lost(format!("{} (error {})", server.message, server.code))
                }
                code::DATA_TOO_LONG if server.message.contains("'value'") => Error::Server {
                    what: format!(
                        "the tokenvault_header table was made by a tokenvault before key slots and holds at most 255 bytes per value, too few for a format-2 header (error {}); nothing was changed. Let the account alter it (GRANT ALTER), or run `ALTER TABLE tokenvault_header MODIFY value VARBINARY(8192) NOT NULL` once",
                        server.code
                    ),
                },
                code::LOCK_DEADLOCK => Error::Server {
                    what: format!(
                        "the server broke a deadlock by rolling this transaction back (error {}); nothing was changed, retry",
                        server.code
                    ),
                },
                _ => Error::Server {
                    what: format!("{} (error {})", server.message, server.code),
                },
            },
            mysql::Error::DriverError(mysql::DriverError::Timeout) => Error::Busy {
                waited: self.busy_timeout,
            },
            mysql::Error::DriverError(d) => lost(d.to_string()),
            mysql::Error::IoError(io) => lost(io.to_string()),
            mysql::Error::CodecError(c) => lost(c.to_string()),
            mysql::Error::TlsError(t) => lost(format!("TLS: {t}")),
            mysql::Error::UrlError(u) => invalid(url_error(&self.shown, u)),
            mysql::Error::FromValueError(_) | mysql::Error::FromRowError(_) => {
                Error::corrupted("a tokenvault table holds a value of an unexpected type")
            }
        }
    }
}
