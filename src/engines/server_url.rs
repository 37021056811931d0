//! What every server URL shares, whatever the engine (`mysql/url.rs`, `postgres/url.rs`): the
//! TLS a URL gets when it names none, `connect_timeout`, and the checks that keep a password out
//! of a wrong reading of the URL. Each engine's own `url.rs` reads the rest of its URL.
//!
//! The TLS defaults (README "Many hosts"):
//! - A server on another host gets TLS, required, with its certificate checked against the
//!   trusted roots (the URL's CA file, else the public roots) *and* the host name the URL names
//!   (`verify_identity`, libpq's `verify-full`): the login and the power to roll back or delete
//!   rows must not be handed to whoever sits on the network path.
//! - A loopback host (`localhost`, `127.0.0.0/8`, `::1`) or a Unix socket gets no TLS unless the
//!   URL asks for it (a mode, or a CA file, which gets `verify_identity`): the traffic never
//!   leaves the machine, where only root can watch or redirect it, and root can read the
//!   process's memory anyway.
//! - `verify_ca` checks the chain but not the host name, so it is refused without an explicit CA
//!   file: against the public roots it would accept any publicly trusted certificate, for any
//!   name.

use std::net::IpAddr;
use std::time::Duration;

use crate::error::Error;

/// How long connecting to the server may take before [`Error::ServerUnreachable`], unless the
/// URL's `connect_timeout` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections a vault handle keeps at most (readers run in parallel; writers of one process
/// queue in the group commit and use one).
pub(crate) const POOL_MAX: usize = 16;

/// The TLS modes, by what they check (MySQL's `ssl-mode` and libpq's `sslmode` name the same
/// four).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsMode {
    /// No TLS.
    Disabled,
    /// Encrypted, any certificate accepted (a server's self-signed default).
    Required,
    /// The certificate must chain to the URL's CA file, whatever host name it is for.
    VerifyCa,
    /// The certificate must chain to a trusted root and be for the host the URL names.
    VerifyIdentity,
}

impl TlsMode {
    /// The mode a URL's value names (lower case), in MySQL's or libpq's words, or `None` for an
    /// unknown value. libpq's `allow` and `prefer` are unknown on purpose: they fall back to no
    /// TLS, or to TLS without a check, whenever the network path says so.
    pub(crate) fn named(value: &str) -> Option<TlsMode> {
        match value {
            "disabled" | "disable" => Some(TlsMode::Disabled),
            "required" | "require" => Some(TlsMode::Required),
            "verify_ca" | "verify-ca" => Some(TlsMode::VerifyCa),
            "verify_identity" | "verify-full" | "verify_full" => Some(TlsMode::VerifyIdentity),
            _ => None,
        }
    }

    /// The mode of a URL that names none: no TLS for a local server (unless the URL gives TLS
    /// parameters such as a CA file), else the strictest.
    pub(crate) fn default_for(local: bool, tls_parameters_given: bool) -> TlsMode {
        if local && !tls_parameters_given {
            TlsMode::Disabled
        } else {
            TlsMode::VerifyIdentity
        }
    }
}

/// Whether `host` (a name, an address, or `[v6]`) is this machine: `localhost` or loopback.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The refusal of `verify_ca` without a CA file; `ca_parameter` is the engine's name for it.
pub(crate) fn verify_ca_needs_a_ca(shown: &str, ca_parameter: &str) -> Error {
    invalid(format!(
        "{shown}: ssl-mode=verify_ca needs {ca_parameter}=PEM, the CA that signed the server's \
         certificate (it does not check the host name, so against the public roots any publicly \
         trusted certificate would pass); or use verify_identity (libpq: verify-full)"
    ))
}

/// Which part of an operation a server error came from: it decides what the error can promise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Connect,
    Transaction,
    Commit,
}

/// The error for a connection that failed (`detail`: what happened to it) during `phase`: the
/// server unreachable when connecting; during a transaction, rolled back by the server, so the
/// vault is as it was; while committing, an outcome nobody can tell.
pub(crate) fn connection_lost(phase: Phase, shown: &str, detail: String) -> Error {
    match phase {
        Phase::Connect => Error::ServerUnreachable {
            server: shown.to_string(),
            reason: detail,
        },
        Phase::Transaction => Error::Server {
            what: format!(
                "the connection to {shown} was lost during the transaction ({detail}); the server rolled it back, so the vault is as it was"
            ),
        },
        Phase::Commit => Error::Server {
            what: format!(
                "the connection to {shown} was lost while committing ({detail}); the change may or may not have been applied: check the vault before retrying"
            ),
        },
    }
}

pub(crate) fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidLocation {
        reason: reason.into(),
    }
}

/// `connect_timeout=SECONDS`: a positive number of seconds.
pub(crate) fn connect_timeout(value: &str, shown: &str) -> Result<Duration, Error> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            invalid(format!(
                "{shown}: connect_timeout must be a positive number of seconds"
            ))
        })
}

/// Refuses a URL whose text between `://` and the last `@` holds a `/`, `?` or `#`: a URL parser
/// ends the authority there and would read part of the password as a host, port, path, query or
/// fragment (connecting somewhere else with a piece of it).
pub(crate) fn refuse_unescaped_userinfo(url: &str, shown: &str) -> Result<(), Error> {
    let rest = url.split_once("://").map_or("", |(_, rest)| rest);
    let unescaped = rest
        .rfind('@')
        .is_some_and(|at| rest[..at].contains(['/', '?', '#']));
    if unescaped {
        return Err(invalid(format!(
            "{shown}: the user name or password holds an unescaped /, ? or # (or a query \
             holds an @): percent-encode them (/ as %2F, ? as %3F, # as %23, @ as %40)"
        )));
    }
    Ok(())
}

/// "parameter NAME" when `shown` (the URL without its password) shows a parameter of that name,
/// else words that do not name it: a "parameter" after `password=` may be a piece of the password
/// cut off by an unescaped `&`.
pub(crate) fn parameter_named(shown: &str, name: &str) -> String {
    let query = shown.split_once('?').map_or("", |(_, query)| query);
    if query
        .split('&')
        .any(|pair| pair.split('=').next() == Some(name))
    {
        format!("parameter {name:?}")
    } else {
        "a parameter after the password (its name is not shown: it may be a piece of the \
         password, if that holds an unescaped &)"
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_local_and_others_are_not() {
        for local in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.3.0.1",
            "[::1]",
            "::1",
        ] {
            assert!(is_loopback(local), "{local}");
        }
        for remote in [
            "db.internal",
            "192.0.2.7",
            "[2001:db8::1]",
            "localhost.example",
        ] {
            assert!(!is_loopback(remote), "{remote}");
        }
    }

    #[test]
    fn both_vocabularies_name_the_modes_and_fallbacks_are_refused() {
        assert_eq!(TlsMode::named("require"), Some(TlsMode::Required));
        assert_eq!(TlsMode::named("verify-full"), Some(TlsMode::VerifyIdentity));
        assert_eq!(TlsMode::named("verify_ca"), Some(TlsMode::VerifyCa));
        assert_eq!(TlsMode::named("prefer"), None);
        assert_eq!(TlsMode::named("allow"), None);
    }
}
