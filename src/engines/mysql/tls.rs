//! The TLS a MySQL URL gets: `ssl-mode` when the URL names one, else the default of
//! `server_url.rs` (none on loopback or a socket, `verify_identity` elsewhere), as the driver's
//! TLS options (`root_cert_path` is the CA file).

use mysql::{Opts, SslOpts};

pub(crate) use crate::engines::server_url::TlsMode;
use crate::engines::server_url::{is_loopback, verify_ca_needs_a_ca};
use crate::error::Error;

/// The mode of a URL without `ssl-mode` (`server_url.rs` says why).
pub(crate) fn default_for(opts: &Opts) -> TlsMode {
    TlsMode::default_for(is_local(opts), opts.get_ssl_opts().is_some())
}

/// Whether the URL reaches the server through a Unix socket or a loopback address.
fn is_local(opts: &Opts) -> bool {
    opts.get_socket().is_some() || is_loopback(&opts.get_ip_or_hostname())
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
            return Err(verify_ca_needs_a_ca(shown, "root_cert_path"));
        }
        TlsMode::VerifyCa => Some(ssl.with_danger_skip_domain_validation(true)),
        TlsMode::VerifyIdentity => Some(ssl),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_of(url: &str) -> TlsMode {
        default_for(&Opts::from_url(url).unwrap())
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
