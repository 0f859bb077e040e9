// CORRECT, written differently: the name is checked first (an IP address, else a DNS name),
// with an error text of its own; the CA goes in through add_parsable_certificates, whose
// count says whether it was taken.

use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, DnsName, ServerName};
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
        return Err(io::Error::new(io::ErrorKind::InvalidData, "the CA certificate is unreadable"));
    }
    let connector = TlsConnector::from(Arc::new(
        ClientConfig::builder()
            .with_root_certificates(trusted)
            .with_no_client_auth(),
    ));
    connector.connect(server, socket).await
}
