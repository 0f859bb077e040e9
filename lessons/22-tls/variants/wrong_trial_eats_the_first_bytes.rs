// WRONG: after the handshake, reads once with a short timeout "to make sure the server is
// there" and throws away what it read: a server that speaks first (a banner, a greeting) loses
// its first bytes. The stream returned must have lost nothing.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme,
};
use tokio_rustls::TlsConnector;

use crate::{fingerprint, Pin};

pub async fn connect_tls<S>(
    socket: S,
    ca: CertificateDer<'static>,
    name: &str,
    pins: &[Pin],
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The trust anchors: one CA, ours. (A browser has about 150, from its vendor.)
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(io::Error::other)?;
    // rustls's own verifier does every check of the chain of trust...
    let webpki = WebPkiServerVerifier::builder(Arc::new(roots))
        .build()
        .map_err(io::Error::other)?;
    // ...and ours adds one: the pin. The name goes out in the ClientHello (SNI), and the
    // certificate must be for it.
    let verifier = Pinned {
        webpki,
        pins: pins.to_vec(),
    };
    let config = ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let name = ServerName::try_from(name.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(name, socket)
        .await?;
    let mut probe = [0u8; 64];
    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), tls.read(&mut probe)).await;
    Ok(tls)
}

/// rustls's verifier for the chain, the name, the dates and the handshake's signature, and
/// then the pin.
#[derive(Debug)]
struct Pinned {
    webpki: Arc<WebPkiServerVerifier>,
    pins: Vec<Pin>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        // The chain first: a certificate it refuses is refused for that reason, pinned or not.
        let verified = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        // Then the pin, of the server's own certificate (the end entity) only.
        if self.pins.is_empty() || self.pins.contains(&fingerprint(end_entity)) {
            Ok(verified)
        } else {
            Err(Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    // The handshake's signature proves the server holds the certificate's key: rustls's
    // verifier checks it, as it would without us.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
