// WRONG: "fixes" a refused handshake by always asking for the name the lesson's certificate
// has (`localhost`), whatever name the caller wanted: it works on this machine, and it would
// accept any server holding any certificate from the CA, for any name.

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
    // The name is still checked for being a name, so only the fixed name is the mistake.
    ServerName::try_from(name.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let mut roots = RootCertStore::empty();
    roots.add(ca).map_err(io::Error::other)?;
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let fixed = ServerName::try_from("localhost").map_err(io::Error::other)?;
    TlsConnector::from(Arc::new(config))
        .connect(fixed, socket)
        .await
}
