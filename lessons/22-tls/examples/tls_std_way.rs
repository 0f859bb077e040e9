//! The echo over TLS with plain blocking sockets: std has no TLS, but rustls itself is
//! blocking-friendly. `rustls::StreamOwned` joins a connection's TLS state to a `TcpStream`
//! and implements `Read` and `Write`, like the socket. One thread per side.
//!
//!     cargo run -p lesson-22-tls --example tls_std_way

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio_rustls::rustls::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, StreamOwned,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A self-signed certificate for localhost; the client trusts exactly it.
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    let cert = made.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));

    let server_config = Arc::new(
        ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)?,
    );
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    // The server, in a thread: one client, each line sent back, then close_notify.
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        let (tcp, _) = listener.accept()?;
        let conn = ServerConnection::new(server_config).map_err(std::io::Error::other)?;
        // The handshake happens on the first read.
        let mut tls = BufReader::new(StreamOwned::new(conn, tcp));
        let mut line = Vec::new();
        while tls.read_until(b'\n', &mut line)? > 0 {
            tls.get_mut().write_all(&line)?;
            line.clear();
        }
        let tls = tls.get_mut();
        tls.conn.send_close_notify();
        tls.flush()?;
        Ok(())
    });

    // ANCHOR: std
    // The client: trust the one certificate, ask for "localhost".
    let mut roots = RootCertStore::empty();
    roots.add(cert)?;
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost")?;
    let conn = ClientConnection::new(Arc::new(config), name)?;
    let mut tls = StreamOwned::new(conn, TcpStream::connect(addr)?);
    tls.write_all(b"hello\nworld\n")?;
    tls.conn.send_close_notify();
    tls.flush()?;
    tls.sock.shutdown(Shutdown::Write)?; // FIN after close_notify
    let mut echoed = Vec::new();
    tls.read_to_end(&mut echoed)?;
    // ANCHOR_END: std
    server.join().expect("the server thread")?;
    println!(
        "std + rustls: echoed {:?}",
        String::from_utf8_lossy(&echoed)
    );
    Ok(())
}
