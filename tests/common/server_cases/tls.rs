//! The TLS a server URL gets by default: a server reached under an address other than loopback
//! must present a certificate for the host the URL names, and the mode that checks the chain
//! only is refused without a CA file. Needs a server with TLS whose CA `D::CA_VAR` names.

use tokenvault::{Error, Location, OpenOptions};

use crate::common::PASSPHRASE;
use crate::common::relay::{non_loopback_address, relay_to};
use crate::common::server::{ServerDb, encoded_ca, skip};

pub fn without_a_tls_mode_a_remote_server_must_present_a_certificate_for_its_host_name<
    D: ServerDb,
>() {
    let Some(db) = D::new("tlsdefault") else {
        return;
    };
    let Some(ca) = encoded_ca::<D>() else {
        return;
    };
    let Some(ip) = non_loopback_address() else {
        skip(
            "CI needs an address other than loopback to test a remote server's TLS default",
            "no non-loopback address",
        );
        return;
    };
    let url = url::Url::parse(db.url()).unwrap();
    let relay = relay_to(
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap()),
        ip,
    );
    let remote = db.url_at(&relay);
    let (mode, ca_file) = (D::TLS_MODE, D::CA_FILE);
    // The certificate chains to the trusted CA but names 127.0.0.1 and localhost, not the
    // address the URL names: by default that must be refused, as it is with the full check.
    for url in [
        format!("{remote}?{ca_file}={ca}"),
        format!("{remote}?{ca_file}={ca}&{mode}={}", D::VERIFY_IDENTITY),
        remote.clone(),
    ] {
        let refused = OpenOptions::insecure_for_tests().create(Location::parse(&url), PASSPHRASE);
        assert!(
            matches!(refused, Err(Error::ServerUnreachable { ref reason, .. }) if reason.contains("certificate")),
            "{}: {refused:?}",
            Location::parse(&url)
        );
    }
    // The relay itself works: the same server, through it, with the name check turned off.
    let checked_ca = Location::parse(format!("{remote}?{ca_file}={ca}&{mode}={}", D::VERIFY_CA));
    OpenOptions::insecure_for_tests()
        .create(&checked_ca, PASSPHRASE)
        .unwrap();
}

pub fn verify_ca_without_a_root_certificate_is_refused_before_connecting<D: ServerDb>() {
    let Some(db) = D::new("tlsverifyca") else {
        return;
    };
    let refused = OpenOptions::insecure_for_tests().create(
        Location::parse(format!("{}?{}={}", db.url(), D::TLS_MODE, D::VERIFY_CA)),
        PASSPHRASE,
    );
    assert!(
        matches!(refused, Err(Error::InvalidLocation { ref reason }) if reason.contains(D::CA_FILE)),
        "{refused:?}"
    );
}
