// WRONG: turns SNI off (`enable_sni = false`, "to leak less"): the certificate is still
// checked against the right name, but the ClientHello does not say which name is wanted, so
// a server with several names (a shared host, a CDN) cannot pick the right certificate.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

pub async fn connect_tls<S>(
    socket: S,
    ca: CertificateDer<'static>,
    name: &str,
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(io::Error::other)?;
    let mut config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.enable_sni = false;
    let name = ServerName::try_from(name.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    TlsConnector::from(Arc::new(config))
        .connect(name, socket)
        .await
}
