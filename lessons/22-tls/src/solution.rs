// Lesson 22's exercise: ours. (Yours goes in exercise.rs.)

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

// ANCHOR: solution
/// The client's side of the TLS handshake over `socket`: trust `ca` and nothing else, and
/// accept the server only if its certificate is for `name`.
pub async fn connect_tls<S>(
    socket: S,
    ca: CertificateDer<'static>,
    name: &str,
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // The trust anchors: one CA, ours. (A browser has about 150, from its vendor.)
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(io::Error::other)?;
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // The name goes out in the ClientHello (SNI), and the certificate must be for it.
    let name = ServerName::try_from(name.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    TlsConnector::from(Arc::new(config))
        .connect(name, socket)
        .await
}
// ANCHOR_END: solution
