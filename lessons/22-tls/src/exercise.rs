// Lesson 22's exercise: the client's side of the TLS handshake, with certificate pinning.
// Yours to write.
//
// Check it:       cargo exercise lesson-22-tls
// Stuck?          cargo hint lesson-22-tls      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-22-tls

use std::io;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::CertificateDer;

#[allow(unused_imports)] // yours to use: `fingerprint(&cert)` is a certificate's `Pin`
use crate::{fingerprint, Pin};

// ANCHOR: exercise
/// The client's side of the TLS handshake over `socket` (a connected TCP stream, or anything
/// that reads and writes like one); returns the stream to send and receive lines on.
///
/// The contract (what the checks test, against TLS servers of their own):
/// - Trust `ca` and nothing else: a server whose certificate another CA signed, or that
///   signed itself, is refused.
/// - The server's certificate must be for `name`, the name the caller asks for (the lesson's
///   `--name`; not a name of your choosing, nor one the server offers): a certificate from
///   `ca` for any other name is refused. So is one past its validity dates (expired),
///   and a server that cannot prove it holds the certificate's private key (its signature
///   over the handshake does not verify).
/// - Pinning: when `pins` is not empty, the server's own certificate (the end entity, the
///   one for `name`: not the CA, not an intermediate it sends along) must ALSO be one of
///   `pins` (`fingerprint(&cert)` is a certificate's pin), or the handshake is refused with
///   `rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure)`.
///   A pin adds a check, it replaces none: a pinned certificate that is expired, for another
///   name or not from `ca`, or offered by a server without its key, is refused with the very
///   error it gets without pins. Empty `pins`: no pinning, every other check as above.
/// - A refused server never sees the handshake complete: the refusal happens during the
///   handshake, before the client's Finished, not after it.
/// - Say which name you want in the ClientHello (SNI): a server with several names picks its
///   certificate by it.
/// - A refused handshake is an error (`Err`), never a stream: of kind
///   `io::ErrorKind::InvalidData`, with rustls's reason inside (the `rustls::Error` that
///   tokio-rustls puts in the `io::Error`), so the caller can tell why. A `name` that is not a
///   DNS name or an IP address (`"not a name!"`) is an `io::ErrorKind::InvalidInput` error. A
///   `ca` that is not a certificate is an error too (of any kind): never a panic.
/// - The stream comes back as the handshake left it: you send and read nothing on it, so what
///   the server sends first (a greeting) is the caller's to read.
/// - Print nothing: the lesson narrates around your function.
pub async fn connect_tls<S>(
    socket: S,
    ca: CertificateDer<'static>,
    name: &str,
    pins: &[Pin],
) -> io::Result<TlsStream<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _ = (socket, ca, name, pins);
    todo!("trust exactly `ca`, connect asking for `name`, and hold the server to `pins`")
}
// ANCHOR_END: exercise
