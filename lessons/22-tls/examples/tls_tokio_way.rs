//! The echo over TLS the tokio way, in one short file: tokio-rustls wraps the TCP socket, and
//! the TLS stream is read and written like the socket itself. The lesson (src/main.rs) is the
//! same with its limits, deadlines and narration.
//!
//!     cargo run -p lesson-22-tls --example tls_tokio_way

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A self-signed certificate for localhost; the client trusts exactly it.
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    let cert = made.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));

    let server_config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)?;
    let acceptor = TlsAcceptor::from(Arc::new(server_config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;

    // The server: one client, each line sent back, then close_notify.
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut tls = BufReader::new(acceptor.accept(tcp).await?);
        let mut line = Vec::new();
        while tls.read_until(b'\n', &mut line).await? > 0 {
            tls.write_all(&line).await?;
            tls.flush().await?;
            line.clear();
        }
        tls.shutdown().await?;
        Ok::<_, std::io::Error>(())
    });

    // ANCHOR: tokio
    // The client: trust the one certificate, ask for "localhost".
    let mut roots = RootCertStore::empty();
    roots.add(cert)?;
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost")?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await?;
    tls.write_all(b"hello\nworld\n").await?;
    tls.shutdown().await?; // close_notify, then FIN
    let mut echoed = Vec::new();
    tls.read_to_end(&mut echoed).await?;
    // ANCHOR_END: tokio
    server.await??;
    println!("tokio: echoed {:?}", String::from_utf8_lossy(&echoed));
    Ok(())
}
