//! Lesson 22 exercise: the client's side of the TLS handshake.
//!
//! Check your work with:   cargo exercise lesson-22-tls
//! Run your version with:  cargo run -p lesson-22-tls --features exercise

use std::io;
#[allow(unused_imports)] // You will need it.
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
#[allow(unused_imports)] // You will need these.
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
#[allow(unused_imports)]
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
#[allow(unused_imports)]
use tokio_rustls::TlsConnector;

// ANCHOR: exercise
/// The client's side of the TLS handshake over `socket`: trust `ca` and nothing else, and
/// accept the server only if its certificate is for `name`.
///
/// TODO:
///   - a `RootCertStore::empty()` with `ca` added: the only CA this client trusts;
///   - a `ClientConfig::builder()` with those root certificates and no client certificate;
///   - `ServerName::try_from(name.to_string())` (a bad name is an `InvalidInput` error);
///   - `TlsConnector::from(Arc::new(config)).connect(name, socket).await`.
pub async fn connect_tls<S>(
    socket: S,
    ca: CertificateDer<'static>,
    name: &str,
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _ = (socket, ca, name);
    todo!("build a ClientConfig that trusts exactly `ca`, and connect asking for `name`")
}
// ANCHOR_END: exercise
