//! The TLS a server URL gets (README "Many hosts"): `ssl-mode` when the URL names one, else a
//! default that depends on where the server is.
//!
//! - A server on another host gets TLS, required, with its certificate checked against the
//!   trusted roots (`root_cert_path=PEM`, else the public roots) *and* the host name the URL
//!   names (`verify_identity`): the login and the power to roll back or delete rows must not be
//!   handed to whoever sits on the network path.
//! - A loopback host (`localhost`, `127.0.0.0/8`, `::1`) or a Unix socket (`socket=`) gets no
//!   TLS unless the URL asks for it (`ssl-mode`, or TLS parameters such as `root_cert_path`,
//!   which get `verify_identity`): the traffic never leaves the machine, where only root can
//!   watch or redirect it, and root can read the process's memory anyway.
//! - `verify_ca` checks the chain but not the host name, so it is refused without an explicit
//!   `root_cert_path`: against the public roots it would accept any publicly trusted
//!   certificate, for any name.

use std::net::IpAddr;

use mysql::{Opts, SslOpts};

use crate::error::Error;

/// The `ssl-mode` values, by what they check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsMode {
    /// No TLS.
    Disabled,
    /// Encrypted, any certificate accepted (a server's self-signed default).
    Required,
    /// The certificate must chain to `root_cert_path`, whatever host name it is for.
    VerifyCa,
    /// The certificate must chain to a trusted root and be for the host the URL names.
    VerifyIdentity,
}

impl TlsMode {
    /// The mode `ssl-mode=value` names (lower case), or `None` for an unknown value.
    pub(crate) fn named(value: &str) -> Option<TlsMode> {
        match value {
            "disabled" | "disable" => Some(TlsMode::Disabled),
            "required" | "require" => Some(TlsMode::Required),
            "verify_ca" | "verify-ca" => Some(TlsMode::VerifyCa),
            "verify_identity" | "verify-full" | "verify_full" => Some(TlsMode::VerifyIdentity),
            _ => None,
        }
    }

    /// The mode of a URL without `ssl-mode`: none on loopback or a socket (unless the URL gives
    /// TLS parameters such as `root_cert_path`), else the strictest.
    pub(crate) fn default_for(opts: &Opts) -> TlsMode {
        if is_local(opts) && opts.get_ssl_opts().is_none() {
            TlsMode::Disabled
        } else {
            TlsMode::VerifyIdentity
        }
    }
}

/// Whether the URL reaches the server through a Unix socket or a loopback address.
fn is_local(opts: &Opts) -> bool {
    if opts.get_socket().is_some() {
        return true;
    }
    let host = opts.get_ip_or_hostname();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The driver's TLS options for `mode`, on top of those the URL gave (`root_cert_path`, …);
/// `None` is no TLS. `shown` is the URL without its password, for the message.
pub(crate) fn ssl_opts(
    mode: TlsMode,
    given: Option<&SslOpts>,
    shown: &str,
) -> Result<Option<SslOpts>, Error> {
    let ssl = given.cloned().unwrap_or_default();
    Ok(match mode {
        TlsMode::Disabled => None,
        TlsMode::Required => Some(
            ssl.with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ),
        TlsMode::VerifyCa if ssl.root_cert_path().is_none() => {
            return Err(Error::InvalidLocation {
                reason: format!(
                    "{shown}: ssl-mode=verify_ca needs root_cert_path=PEM, the CA that signed \
                     the server's certificate (it does not check the host name, so against the \
                     public roots any publicly trusted certificate would pass); or use \
                     ssl-mode=verify_identity"
                ),
            });
        }
        TlsMode::VerifyCa => Some(ssl.with_danger_skip_domain_validation(true)),
        TlsMode::VerifyIdentity => Some(ssl),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_of(url: &str) -> TlsMode {
        TlsMode::default_for(&Opts::from_url(url).unwrap())
    }

    #[test]
    fn a_url_without_ssl_mode_gets_verified_tls_unless_the_server_is_local() {
        assert_eq!(
            default_of("mysql://u@db.internal/x"),
            TlsMode::VerifyIdentity
        );
        assert_eq!(
            default_of("mysql://u@192.0.2.7:3307/x"),
            TlsMode::VerifyIdentity
        );
        assert_eq!(
            default_of("mysql://u@[2001:db8::1]/x"),
            TlsMode::VerifyIdentity
        );
        assert_eq!(default_of("mysql://u@localhost/x"), TlsMode::Disabled);
        assert_eq!(default_of("mysql://u@127.0.0.1:33061/x"), TlsMode::Disabled);
        assert_eq!(default_of("mysql://u@127.3.0.1/x"), TlsMode::Disabled);
        assert_eq!(default_of("mysql://u@[::1]/x"), TlsMode::Disabled);
        assert_eq!(
            default_of("mysql://u@localhost/x?root_cert_path=ca.pem"),
            TlsMode::VerifyIdentity
        );
        assert_eq!(
            default_of("mysql://u@db.internal/x?socket=%2Frun%2Fmysqld.sock"),
            TlsMode::Disabled
        );
    }

    #[test]
    fn verify_ca_without_a_root_certificate_is_refused() {
        let refused = ssl_opts(TlsMode::VerifyCa, None, "mysql://u@db/x");
        assert!(
            matches!(refused, Err(Error::InvalidLocation { ref reason }) if reason.contains("root_cert_path")),
            "{refused:?}"
        );
        let given =
            SslOpts::default().with_root_cert_path(Some(std::path::PathBuf::from("ca.pem")));
        let ssl = ssl_opts(TlsMode::VerifyCa, Some(&given), "mysql://u@db/x")
            .unwrap()
            .unwrap();
        assert!(ssl.skip_domain_validation() && !ssl.accept_invalid_certs());
    }
}
