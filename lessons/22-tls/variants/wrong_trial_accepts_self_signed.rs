// WRONG: also accepts a self-signed certificate for the name ("dev servers use self-signed
// certificates, like the chapter's examples"): anyone can make one for any name, so a man in
// the middle with his own self-signed certificate for "echo.test" is accepted. Trust `ca` only.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::pki_types::UnixTime;
use tokio_rustls::rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};

#[derive(Debug)]
struct Lenient(Arc<WebPkiServerVerifier>);

fn verifier(ca: CertificateDer<'static>) -> io::Result<Arc<WebPkiServerVerifier>> {
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(io::Error::other)?;
    WebPkiServerVerifier::builder(Arc::new(roots))
        .build()
        .map_err(io::Error::other)
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let strict = self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        match strict {
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {
                // "Trust on first use": the certificate as its own root.
                let own = verifier(end_entity.clone().into_owned())
                    .map_err(|e| Error::General(e.to_string()))?;
                own.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

pub async fn connect_tls<S>(
    socket: S,
    ca: CertificateDer<'static>,
    name: &str,
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let strict = verifier(ca)?;
    let config = ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Lenient(strict)))
        .with_no_client_auth();
    let name = ServerName::try_from(name.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    TlsConnector::from(Arc::new(config))
        .connect(name, socket)
        .await
}
