// WRONG: after the handshake, reads once with a short timeout "to make sure the server is
// there" and throws away what it read: a server that speaks first (a banner, a greeting) loses
// its first bytes. The stream returned must have lost nothing.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use tokio::io::AsyncReadExt;

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
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
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
