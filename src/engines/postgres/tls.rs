//! The TLS a PostgreSQL URL gets, as a rustls configuration: `sslmode` when the URL names one,
//! else the default of `server_url.rs` (none on loopback or a socket, `verify-full` elsewhere);
//! `sslrootcert=PEM` is the CA file, else the public roots (webpki-roots).
//!
//! `require` accepts any certificate and `verify-ca` any host name: both are rustls verifiers of
//! our own below, the second one rustls's own with only the name check waived.

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::engines::server_url::{TlsMode, invalid, verify_ca_needs_a_ca};
use crate::error::Error;

/// The rustls configuration for `mode`, trusting `root_cert` (PEM) or the public roots; `None`
/// for no TLS. `shown` is the URL without its password, for messages.
pub(crate) fn client_config(
    mode: TlsMode,
    root_cert: Option<&Path>,
    shown: &str,
) -> Result<Option<ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("rustls refused its own defaults: {e}")))?;
    let roots = || roots(root_cert, shown).map(Arc::new);
    let verifier = |roots: Arc<RootCertStore>| {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| invalid(format!("{shown}: sslrootcert cannot be used: {e}")))
    };
    let config = match mode {
        TlsMode::Disabled => return Ok(None),
        TlsMode::Required => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider.clone())))
            .with_no_client_auth(),
        TlsMode::VerifyCa if root_cert.is_none() => {
            return Err(verify_ca_needs_a_ca(shown, "sslrootcert"));
        }
        TlsMode::VerifyCa => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyHostName(verifier(roots()?)?)))
            .with_no_client_auth(),
        TlsMode::VerifyIdentity => builder
            .with_webpki_verifier(verifier(roots()?)?)
            .with_no_client_auth(),
    };
    Ok(Some(config))
}

/// The certificates of `root_cert`, else the public roots.
fn roots(root_cert: Option<&Path>, shown: &str) -> Result<RootCertStore, Error> {
    let mut store = RootCertStore::empty();
    let Some(path) = root_cert else {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    };
    let unreadable =
        |what: String| invalid(format!("{shown}: sslrootcert {} {what}", path.display()));
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(format!("cannot be read: {e}")))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|e| unreadable(format!("is not PEM: {e}")))?;
        store
            .add(certificate)
            .map_err(|e| unreadable(format!("holds a certificate rustls refuses: {e}")))?;
    }
    if store.is_empty() {
        return Err(unreadable("holds no certificate".into()));
    }
    Ok(store)
}

/// `sslmode=require`: encrypted, any certificate accepted (the handshake signatures are still
/// checked, so the session is with whoever holds the certificate's key).
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: rustls's own checks, the chain to the CA file included, but a
/// certificate for another host name is accepted.
#[derive(Debug)]
struct AnyHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
