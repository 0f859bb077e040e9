// CORRECT, written differently: the name is checked first (an IP address, else a DNS name),
// with an error text of its own; the CA goes in through add_parsable_certificates, whose
// count says whether it was taken; the pins are kept in a set, the verifier wraps any other
// verifier (`Arc<dyn ServerCertVerifier>`), and it looks the pin up before asking the chain,
// but reports the chain's error first.

use std::collections::BTreeSet;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::pki_types::{CertificateDer, DnsName, ServerName, UnixTime};
use tokio_rustls::rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme,
};
use tokio_rustls::TlsConnector;

use crate::{fingerprint, Pin};

#[derive(Debug)]
struct OnlyThese {
    inner: Arc<dyn ServerCertVerifier>,
    /// None: no pinning.
    allowed: Option<BTreeSet<Pin>>,
}

impl ServerCertVerifier for OnlyThese {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let known = match &self.allowed {
            None => true,
            Some(allowed) => allowed.contains(&fingerprint(end_entity)),
        };
        let chain = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        match (chain, known) {
            (Err(e), _) => Err(e),
            (Ok(ok), true) => Ok(ok),
            (Ok(_), false) => Err(CertificateError::ApplicationVerificationFailure.into()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

pub async fn connect_tls<S>(
    socket: S,
    ca: CertificateDer<'static>,
    name: &str,
    pins: &[Pin],
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let server: ServerName<'static> = match name.parse::<IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => match DnsName::try_from(name.to_string()) {
            Ok(dns) => ServerName::DnsName(dns),
            Err(_) => {
                let why = format!("{name:?} is neither a host name nor an IP address");
                return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
            }
        },
    };
    let mut trusted = RootCertStore::empty();
    let (taken, _) = trusted.add_parsable_certificates([ca]);
    if taken != 1 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the CA certificate is unreadable",
        ));
    }
    let inner = WebPkiServerVerifier::builder(Arc::new(trusted))
        .build()
        .map_err(io::Error::other)?;
    let allowed = (!pins.is_empty()).then(|| pins.iter().copied().collect());
    let verifier = OnlyThese { inner, allowed };
    let connector = TlsConnector::from(Arc::new(
        ClientConfig::builder()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth(),
    ));
    connector.connect(server, socket).await
}
