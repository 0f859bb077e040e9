//! Lesson 22: TLS — the echo protocol of lesson 09, encrypted and authenticated.
//!
//! The bytes of every lesson so far crossed the network as they were written: anyone on the
//! path could read them, or change them. TLS (RFC 8446, TLS 1.3) puts a layer between the
//! socket and the protocol: a handshake first, in which the server proves with a certificate
//! that it holds the name the client asked for and both sides agree on keys; then records,
//! each encrypted and authenticated. The socket calls underneath are the same: connect,
//! accept, send, recv. TLS is bytes over a TCP connection, like any protocol.
//!
//! The lesson uses rustls (TLS written in Rust) through tokio-rustls, and makes its own small
//! certificate authority (CA) at the start of each run with rcgen: offline, no files needed.
//! The demo shows what a plain TCP client gets from a TLS server, the handshake's bytes
//! each way (the ClientHello's first bytes decoded), the echo over TLS with a client that also
//! pins the server's certificate, a client that is refused because the certificate is not for
//! the name it asked for, and pinning's cost: once the server has a new certificate from the
//! same CA, a client pinned to the old one is refused.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::lines::read_line;
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SerialNumber};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

// The function you write (src/exercise.rs), or ours (src/solution.rs): see src/lib.rs. (Our
// `Pin`, a certificate's fingerprint, is written `lesson_22_tls::Pin` here: `Pin` alone is
// std's, for the `Counted` adapter.)
use lesson_22_tls::{connect_tls, fingerprint};

static LESSON: Lesson = Lesson {
    package: "lesson-22-tls",
    title: "TLS: the echo protocol, encrypted, with a certificate made for the run",
    port: 7022,
    about: "Lesson 09's echo over TLS 1.3 (rustls): the client sends lines ending in b\"\\n\";\n\
            the server sends each line back and closes (close_notify, then FIN) when the client\n\
            has closed its side. The server makes a CA and a certificate for localhost and\n\
            127.0.0.1 at start, and writes the CA (PEM) to --ca FILE; the client trusts that CA\n\
            and nothing else, and checks that the certificate is for --name (default localhost)\n\
            and, with --pin, that it is the one pinned (the server prints its pin).\n\
            Limits: the handshake, each whole line (at most 8192 bytes, newline included) and\n\
            each echo must be through within --timeout seconds; a line too long gets\n\
            b\"error: line longer than 8192 bytes\\n\". Many clients are served at once.\n\
            Try it with: openssl s_client -connect 127.0.0.1:7022 -CAfile CA_FILE -verify_return_error\n\
            (the server prints CA_FILE; type lines, Ctrl-D ends)",
    flags: &[
        Flag {
            name: "--ca",
            value: Some("FILE"),
            help: "server: write the run's CA here; client: trust this CA (default: lesson-22-tls-ca.pem in the temp dir)",
        },
        Flag {
            name: "--name",
            value: Some("NAME"),
            help: "client: the name the certificate must be for (default localhost)",
        },
        Flag {
            name: "--pin",
            value: Some("sha256/HEX"),
            help: "client: accept only a server certificate with this SHA-256 (the server prints it; may be given more than once)",
        },
        Flag {
            name: "--nodelay",
            value: None,
            help: "set TCP_NODELAY on every connection: the handshake's last flight waits for no ACK",
        },
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "deadline for the handshake, each whole line and each echo (default 30)",
        },
    ],
};

/// The longest line we accept, newline included (as in lesson 09).
pub const MAX_LINE: usize = 8192;
/// In the demo both sides are in one process; a wait this long means a bug.
const DEMO_TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// One runtime on the current thread, as in lesson 13.
fn runtime(say: &Narrator) -> Result<tokio::runtime::Runtime> {
    let start = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    say.call_then(
        "Runtime::new_current_thread()",
        "start tokio",
        start,
        |_| "ok".to_string(),
    )
}

// ANCHOR: certificates
/// What the server needs for the run: its certificate chain and key, and the CA that signed
/// it, which the clients trust.
struct Certificates {
    /// The CA's certificate: what a client trusts (DER, and PEM for `openssl s_client`).
    ca: CertificateDer<'static>,
    ca_pem: String,
    /// The server's certificate, for `localhost` and `127.0.0.1`, signed by the CA.
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    /// The CA's key and name, to sign a new server certificate later (`renewed`).
    issuer: Issuer<'static, KeyPair>,
}

/// Make a CA and a server certificate signed by it, in memory. Ed25519 keys: small, and
/// their signatures always 64 bytes, so the handshake has the same size every run.
fn make_certificates() -> std::result::Result<Certificates, rcgen::Error> {
    // The CA: a certificate that may sign others (basic constraints: CA), signed by itself.
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ED25519)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "lesson-22-tls run CA");
    ca_params.serial_number = Some(SerialNumber::from(1u64));
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let (chain, key) = server_certificate(&issuer, 2)?;
    Ok(Certificates {
        ca: ca_cert.der().clone(),
        ca_pem: ca_cert.pem(),
        chain,
        key,
        issuer,
    })
}

/// The server's certificate, numbered `serial`, signed by the CA: the names a client may ask
/// for (subjectAltName), and a new key.
type Chain = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);
fn server_certificate(
    issuer: &Issuer<'_, KeyPair>,
    serial: u64,
) -> std::result::Result<Chain, rcgen::Error> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".into()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "lesson-22-tls server");
    params.serial_number = Some(SerialNumber::from(serial));
    let cert = params.signed_by(&key, issuer)?;
    let key = PrivatePkcs8KeyDer::from(key.serialize_der()).into();
    Ok((vec![cert.der().clone()], key))
}

impl Certificates {
    /// A new server certificate from the same CA, for the same names (serial 3): what a
    /// server gets when its certificate is renewed (every 90 days with Let's Encrypt).
    fn renew(&mut self) -> std::result::Result<(), rcgen::Error> {
        (self.chain, self.key) = server_certificate(&self.issuer, 3)?;
        Ok(())
    }

    /// The server certificate's pin: what a pinned client is given.
    fn pin(&self) -> lesson_22_tls::Pin {
        fingerprint(&self.chain[0])
    }
}
// ANCHOR_END: certificates

// ANCHOR: server_config
/// The server's TLS configuration: no client certificates, our chain and key. (rustls speaks
/// TLS 1.3 only here: the workspace builds it without TLS 1.2.)
fn tls_acceptor(certs: &Certificates) -> io::Result<TlsAcceptor> {
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs.chain.clone(), certs.key.clone_key())
        .map_err(io::Error::other)?;
    // No session tickets (for resuming a session later): the handshake is all we count.
    config.send_tls13_tickets = 0;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
// ANCHOR_END: server_config

// ANCHOR: counted
/// A socket that counts the bytes it carries, and keeps the first bytes written: wrapped
/// around the TCP socket, UNDER TLS, it sees what goes on the wire (records, encrypted after
/// the hellos), not the plaintext lines.
pub struct Counted<S> {
    inner: S,
    /// Bytes received and sent so far.
    pub read: usize,
    pub written: usize,
    /// What the first write sent (the client's: its ClientHello).
    pub first_written: Vec<u8>,
}

impl<S> Counted<S> {
    pub fn new(inner: S) -> Self {
        Counted {
            inner,
            read: 0,
            written: 0,
            first_written: Vec::new(),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf); // recv()
        self.read += buf.filled().len() - before;
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, bytes); // send()
        if let Poll::Ready(Ok(n)) = poll {
            if self.first_written.is_empty() {
                self.first_written = bytes[..n].to_vec();
            }
            self.written += n;
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx) // shutdown(Write): FIN
    }
}
// ANCHOR_END: counted

// ANCHOR: hello
/// The ClientHello's first bytes, decoded (RFC 8446 §5.1 for the record, §4.1.2 for the
/// ClientHello, RFC 6066 §3 for server_name): the record type, the record's version, its
/// length, the handshake type, and the name the client asked for (SNI), which is sent in the
/// clear, before any key exists.
pub fn describe_client_hello(hello: &[u8]) -> String {
    let Some(&[kind, major, minor, len_hi, len_lo, handshake]) = hello.get(..6) else {
        return format!("too short to be a TLS record: {}", show_bytes(hello));
    };
    let first: Vec<String> = hello.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let length = u16::from_be_bytes([len_hi, len_lo]);
    format!(
        "{} = record type 0x{kind:02x} (handshake), version 0x{major:02x}{minor:02x}, \
         {length} bytes; handshake type 0x{handshake:02x} (ClientHello); SNI {:?}",
        first.join(" "),
        server_name(hello).unwrap_or_default()
    )
}

/// The server_name extension's host name, if the ClientHello has one.
fn server_name(hello: &[u8]) -> Option<String> {
    // Record header (5) + handshake header (4) + version (2) + random (32).
    let mut at = 5 + 4 + 2 + 32;
    let byte = |at: usize| hello.get(at).copied().map(usize::from);
    let pair = |at: usize| Some(byte(at)? << 8 | byte(at + 1)?);
    at += 1 + byte(at)?; // legacy_session_id
    at += 2 + pair(at)?; // cipher_suites
    at += 1 + byte(at)?; // legacy_compression_methods
    let end = at + 2 + pair(at)?; // extensions
    at += 2;
    while at + 4 <= end {
        let (kind, len) = (pair(at)?, pair(at + 2)?);
        if kind == 0 {
            // server_name: list length (2), name type (1: 0 = host name), length (2), name.
            let name = hello.get(at + 9..at + 9 + pair(at + 7)?)?;
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        at += 4 + len;
    }
    None
}
// ANCHOR_END: hello

// ANCHOR: handshake
/// The server's side of the handshake, within `limit`: read the ClientHello, send
/// ServerHello … Finished, read the client's Finished (RFC 8446 §2). A client that is not
/// through in time, or speaks something else than TLS, gets no connection.
async fn accept_tls(
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    limit: Duration,
    say: &Narrator,
) -> Result<ServerTls> {
    let handshake = within(limit, "timed out", acceptor.accept(Counted::new(tcp)));
    let why =
        "the TLS handshake: ClientHello in; ServerHello, certificate, Finished out; Finished in";
    say.call_async_then("TlsAcceptor::accept()", why, handshake, agreed)
        .await
}

type ServerTls = tokio_rustls::server::TlsStream<Counted<TcpStream>>;

/// What the handshake agreed on, and what it cost: `ok, TLSv1_3, TLS13_AES_256_GCM_SHA384,
/// SNI "localhost"; handshake bytes: 296 in, 574 out`.
fn agreed(tls: &ServerTls) -> String {
    let (counted, session) = tls.get_ref();
    let version = session.protocol_version().map(|v| format!("{v:?}"));
    let suite = session
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()));
    format!(
        "ok, {}, {}, SNI {:?}; handshake bytes: {} in, {} out",
        version.unwrap_or_default(),
        suite.unwrap_or_default(),
        session.server_name().unwrap_or_default(),
        counted.read,
        counted.written,
    )
}

/// `run`, or a `TimedOut` error saying `what` once `limit` has passed.
async fn within<T>(
    limit: Duration,
    what: &str,
    run: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match timeout(limit, run).await {
        Ok(result) => result,
        Err(_elapsed) => Err(io::Error::new(io::ErrorKind::TimedOut, what)),
    }
}
// ANCHOR_END: handshake

// ANCHOR: echo
/// Echo lines over TLS until the client closes: lesson 09's loop, with its limits. The TLS
/// stream is read and written like the socket itself; rustls makes records of what we write
/// and checks and decrypts what comes in. (`Narrated::quiet` records the plaintext bytes of
/// each read and write in the trace, for the tests; it prints nothing.)
async fn echo_lines(tls: ServerTls, limit: Duration, say: &Narrator) -> Result<usize> {
    let mut tls = BufReader::new(Narrated::quiet(tls, say.clone()));
    let mut line = Vec::new();
    let mut lines = 0;
    loop {
        let why = "wait for a whole line (decrypted), until the deadline";
        let no_line = "no whole line in time (see --timeout)";
        let read = within(limit, no_line, read_line(&mut tls, &mut line, MAX_LINE));
        let echo = match say
            .call_async_then("read_line()", why, read, line_or_end)
            .await
        {
            Ok(Some(echo)) => echo,
            // close_notify: the client is done (RFC 8446 §6.1).
            Ok(None) => break,
            Err(e) if e.kind() == Some(io::ErrorKind::InvalidData) && line.len() > MAX_LINE => {
                let refusal = format!("error: line longer than {MAX_LINE} bytes\n");
                let _ = timeout(limit, tls.write_all(refusal.as_bytes())).await;
                let _ = timeout(limit, tls.flush()).await;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let call = format!("write_all({})", show_bytes(&echo));
        let why = "send it back, as TLS records, before the deadline";
        let sent = async {
            tls.write_all(&echo).await?;
            // rustls holds what we write until a flush makes records of it and sends them.
            tls.flush().await
        };
        let bytes = |_: &()| format!("{} bytes", echo.len());
        say.call_async_then(call, why, within(limit, "timed out", sent), bytes)
            .await?;
        lines += 1;
    }
    let why = "send our close_notify, then FIN: the client knows nothing was cut off";
    let close = within(limit, "timed out", tls.shutdown());
    say.call_async("shutdown()", why, close).await?;
    Ok(lines)
}

/// What a read_line() brought: `6 bytes: b"hello\n"`, or the end (`None`).
fn line_or_end(line: &Option<Vec<u8>>) -> String {
    match line {
        Some(line) => format!("{} bytes: {}", line.len(), show_bytes(line)),
        None => "0 bytes: close_notify, end of stream".to_string(),
    }
}
// ANCHOR_END: echo

// ANCHOR: serve
/// One client, from the handshake to the close. Whatever goes wrong ends this connection only.
async fn serve_one(acceptor: TlsAcceptor, tcp: TcpStream, peer: SocketAddr, limit: Duration) {
    let say = Narrator::new("server", LESSON.package);
    let served = async {
        let tls = accept_tls(&acceptor, tcp, limit, &say).await?;
        echo_lines(tls, limit, &say).await
    };
    match served.await {
        Ok(lines) => say.note(format!("{peer} is done: {lines} line(s) echoed")),
        Err(err) => say.note(format!("dropping {peer}: {}", err.reason)),
    }
}

/// The server: a CA and a certificate for the run, the CA written to `--ca FILE` for the
/// clients, then one task per connection, for ever.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limit = deadline(opts)?;
    let certs = certificates(&say)?;
    let ca_file = ca_file(opts)?;
    let call = format!("write({})", ca_file.display());
    say.call(call, "the CA, for clients and openssl s_client", || {
        std::fs::write(&ca_file, &certs.ca_pem)
    })?;
    say.note(format!(
        "our certificate's pin: {} (a pinned client: --pin {0})",
        certs.pin()
    ));
    let acceptor = acceptor(&certs, &say)?;
    let rt = runtime(&say)?;
    rt.block_on(async {
        let (listener, addr) = bind(opts.addr, &say).await?;
        opts.ready(addr);
        let mut pause = PAUSE_FIRST;
        loop {
            match accept(&listener, &say).await {
                Ok((tcp, peer)) => {
                    no_delay(&tcp, opts, &say)?;
                    pause = PAUSE_FIRST;
                    tokio::spawn(serve_one(acceptor.clone(), tcp, peer, limit));
                }
                // Out of descriptors, say (the error was said): the connections in progress
                // go on; try again later.
                Err(_) => {
                    say.note(format!("trying again in {pause:?}"));
                    sleep(pause).await;
                    pause = (pause * 2).min(PAUSE_MAX);
                }
            }
        }
    })
}
// ANCHOR_END: serve

/// After an accept() error, wait this long before the next try, doubling up to PAUSE_MAX.
const PAUSE_FIRST: Duration = Duration::from_millis(10);
const PAUSE_MAX: Duration = Duration::from_secs(1);

/// socket() + bind() + listen(): the listener, and the address it is bound to.
async fn bind(addr: SocketAddr, say: &Narrator) -> Result<(TcpListener, SocketAddr)> {
    let bind = async {
        let listener = TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        Ok((listener, bound))
    };
    let why = "socket + bind + listen: TLS starts on a plain TCP listener";
    let bound = |(_, bound): &(TcpListener, SocketAddr)| format!("ok, bound to {bound}");
    say.call_async_then(format!("TcpListener::bind({addr})"), why, bind, bound)
        .await
}

/// make_certificates(), narrated: the server's first call, in the demo and in server mode.
fn certificates(say: &Narrator) -> Result<Certificates> {
    say.call_then(
        "make_certificates()",
        "a CA for this run, and a certificate for localhost and 127.0.0.1 signed by it",
        || make_certificates().map_err(io::Error::other),
        |_| "ok, Ed25519 keys".to_string(),
    )
}

/// tls_acceptor(), narrated.
fn acceptor(certs: &Certificates, say: &Narrator) -> Result<TlsAcceptor> {
    let why = "TLS 1.3, our certificate and key";
    let config = || tls_acceptor(certs);
    say.call_then("ServerConfig::builder()", why, config, |_| "ok".to_string())
}

// ANCHOR: client_calls
/// A TLS client: TCP first, then the handshake (your exercise, `connect_tls`), then lines.
pub type ClientTls = tokio_rustls::client::TlsStream<Counted<TcpStream>>;
/// The client's TLS stream, read line by line, its plaintext bytes recorded in the trace.
type ClientLines = BufReader<Narrated<ClientTls>>;

/// connect(), as in every lesson: TLS starts once the TCP connection is there.
async fn tcp_connect(addr: SocketAddr, say: &Narrator) -> Result<TcpStream> {
    let connect = TcpStream::connect(addr);
    let why = "open a TCP connection";
    say.call_async_then(format!("connect({addr})"), why, connect, |_| "ok".into())
        .await
}

/// The client's side of the handshake: trust `ca` only, ask for `name`, and (if there are
/// `pins`) accept only a pinned certificate.
async fn handshake(
    tcp: TcpStream,
    ca: CertificateDer<'static>,
    name: &str,
    pins: &[lesson_22_tls::Pin],
    limit: Duration,
    say: &Narrator,
) -> Result<ClientLines> {
    let connect = connect_tls(Counted::new(tcp), ca, name, pins);
    let connect = within(limit, "timed out", connect);
    let call = match pins.len() {
        0 => format!("TlsConnector::connect({name:?})"),
        1 => format!("TlsConnector::connect({name:?}, 1 pin)"),
        n => format!("TlsConnector::connect({name:?}, {n} pins)"),
    };
    let why = "the TLS handshake: ClientHello out; the server's hello and certificate in, \
               checked; Finished out";
    let pinned = if pins.is_empty() { "" } else { ", and pinned" };
    let checked = |tls: &ClientTls| {
        let (counted, _) = tls.get_ref();
        format!(
            "ok, the certificate is for {name:?}, signed by our CA{pinned}; handshake bytes: {} out, {} in",
            counted.written, counted.read
        )
    };
    let tls = say
        .call_async_then(call, why, connect, checked)
        .await
        .map_err(|e| refused_certificate(e, name))?;
    let hello = describe_client_hello(&tls.get_ref().0.first_written);
    say.note(format!("the ClientHello: {hello}"));
    Ok(BufReader::new(Narrated::quiet(tls, say.clone())))
}

/// Send one line, all of it: rustls makes it a record, encrypted, and the flush sends it.
async fn send_line(tls: &mut ClientLines, line: &[u8], say: &Narrator) -> Result<()> {
    let call = format!("write_all({})", show_bytes(line));
    let sent = async {
        tls.write_all(line).await?;
        tls.flush().await
    };
    let bytes = |_: &()| format!("{} bytes", line.len());
    say.call_async_then(call, "send one line, as a TLS record", sent, bytes)
        .await
}

/// Read one line of the answer, decrypted, within `limit`.
async fn read_echo(tls: &mut ClientLines, limit: Duration, say: &Narrator) -> Result<Vec<u8>> {
    let mut echo = Vec::new();
    let read = async {
        let line = read_line(tls, &mut echo, MAX_LINE).await?;
        let cut = "the server closed before a whole line came back";
        line.ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, cut))
    };
    let why = "wait for the echo, a whole line";
    let shown = |echo: &Vec<u8>| format!("{} bytes: {}", echo.len(), show_bytes(echo));
    say.call_async_then("read_line()", why, within(limit, "timed out", read), shown)
        .await
}

/// No more lines: close_notify, then FIN (TLS's half-close, RFC 8446 §6.1).
async fn half_close(tls: &mut ClientLines, say: &Narrator) -> Result<()> {
    let why = "close_notify, then FIN: no more lines";
    say.call_async("shutdown()", why, tls.shutdown()).await
}

/// Wait for the server's close_notify, within `limit`. (End of stream WITHOUT it is an error
/// in rustls: an attacker could cut a connection short and make a truncated answer look
/// whole.)
async fn read_end(tls: &mut ClientLines, limit: Duration, say: &Narrator) -> Result<()> {
    let end = async {
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest).await?;
        match rest.is_empty() {
            true => Ok(()),
            false => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("more than we asked for: {}", show_bytes(&rest)),
            )),
        }
    };
    let why = "wait for the server's close_notify";
    let closed = |_: &()| "0 bytes: close_notify, end of stream".to_string();
    say.call_async_then("read()", why, within(limit, "timed out", end), closed)
        .await
}
// ANCHOR_END: client_calls

// ANCHOR: client
/// Send each line of standard input over TLS, print each echo, then close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let (limit, name, ca_file, pins) = (
        deadline(opts)?,
        opts.value("--name", localhost())?,
        ca_file(opts)?,
        pins(opts)?,
    );
    let lines = input_lines(&say);
    let rt = runtime(&say)?;
    rt.block_on(async {
        let tcp = tcp_connect(opts.addr, &say).await?;
        no_delay(&tcp, opts, &say)?;
        let call = format!("read({})", ca_file.display());
        let ca = say.call_then(
            call,
            "the CA we trust: the server wrote it",
            || CertificateDer::from_pem_file(&ca_file).map_err(|e| no_ca(e, &ca_file)),
            |_| "ok".to_string(),
        )?;
        let mut tls = handshake(tcp, ca, &name, &pins, limit, &say).await?;
        for line in lines {
            send_line(&mut tls, &line, &say).await?;
            let echo = read_echo(&mut tls, limit, &say).await?;
            println!("echo: {}", String::from_utf8_lossy(&echo).trim_end());
            if echo != line {
                return Err(say.protocol_error("the server did not send our line back"));
            }
        }
        half_close(&mut tls, &say).await?;
        read_end(&mut tls, limit, &say).await
    })
}

/// The lines to send: standard input, each ending in a newline (two sample lines in step
/// mode, where standard input answers the pauses).
fn input_lines(say: &Narrator) -> Vec<Vec<u8>> {
    if common::narrate::step_mode() {
        say.note("step mode reads Enter from standard input: sending two sample lines");
        return vec![b"hello\n".to_vec(), b"world\n".to_vec()];
    }
    let mut input = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut input);
    input
        .split_inclusive(|&b| b == b'\n')
        .map(|line| {
            let mut line = line.to_vec();
            if !line.ends_with(b"\n") {
                line.push(b'\n');
            }
            line
        })
        .collect()
}
// ANCHOR_END: client

// ANCHOR: demo
/// The demo, in one process: a plain TCP client at the TLS server, a client that verifies
/// and pins (and shows the handshake's bytes), one that asks for another name, and, once the
/// server has a new certificate, one pinned to the old one.
fn demo(opts: &Options) -> Result<()> {
    let (server, lesson) = (opts.narrator("server"), opts.narrator("lesson"));
    let mut certs = certificates(&server)?;
    let acceptor = acceptor(&certs, &server)?;
    let rt = runtime(&lesson)?;
    rt.block_on(async {
        let (listener, addr) = bind(opts.addr, &server).await?;
        let client = opts.narrator("client");
        let demo = Demo {
            listener,
            addr,
            acceptor,
            ca: certs.ca.clone(),
            pin: certs.pin(),
            server,
            client,
            opts,
        };
        lesson.note("client 1: plain TCP, no TLS: it sends b\"hello\\n\" at once");
        demo.plain_text().await?;
        lesson.note("plain TCP's handshake: SYN, SYN-ACK, ACK, and no bytes of data either way");
        lesson.note(
            "client 2: TLS, trusting the run's CA only, asking for \"localhost\", \
             pinned to the server's certificate",
        );
        demo.verified().await?;
        lesson
            .note("client 3: TLS again, asking for \"example.com\": the certificate is not for it");
        demo.wrong_name().await?;
        lesson.note("the server's certificate is renewed: same CA, same names, a new key");
        let renewed = renew(&mut certs, &demo.server)?;
        lesson.note("client 4: TLS, asking for \"localhost\", pinned to the OLD certificate");
        demo.pinned_to_the_old(&renewed).await
    })
}

/// The server gets a new certificate from the same CA, and a new configuration with it.
fn renew(certs: &mut Certificates, say: &Narrator) -> Result<TlsAcceptor> {
    say.call_then(
        "renew()",
        "a new certificate for localhost and 127.0.0.1, signed by the same CA",
        || certs.renew().map_err(io::Error::other),
        |_| "ok, serial 3, a new key".to_string(),
    )?;
    acceptor(certs, say)
}

/// What the demo's clients play against: the server's listener and TLS configuration, the
/// CA the clients trust, and a narrator for each side.
struct Demo<'a> {
    listener: TcpListener,
    addr: SocketAddr,
    acceptor: TlsAcceptor,
    ca: CertificateDer<'static>,
    /// The pin of the server's first certificate.
    pin: lesson_22_tls::Pin,
    server: Narrator,
    client: Narrator,
    opts: &'a Options,
}

impl Demo<'_> {
    /// Client 1 speaks plain text to the TLS server: the handshake fails on the server's
    /// side, and the client reads the alert the server sent before it closed.
    async fn plain_text(&self) -> Result<()> {
        let (server, client) = (&self.server, &self.client);
        let tcp = tcp_connect(self.addr, client).await?;
        let mut plain = Narrated::quiet(tcp, client.clone());
        let hello = plain.write_all(b"hello\n").await;
        hello.map_err(|e| client.failed("write_all(b\"hello\\n\")", e))?;
        let (conn, _) = accept(&self.listener, server).await?;
        if accept_tls(&self.acceptor, conn, DEMO_TIMEOUT, server)
            .await
            .is_ok()
        {
            return Err(server.protocol_error("the server took plain text for TLS"));
        }
        let answer = async {
            let mut answer = Vec::new();
            let _ = timeout(DEMO_TIMEOUT, plain.read_to_end(&mut answer)).await;
            Ok(answer)
        };
        let why = "what does a TLS server answer to plain text?";
        let alert = |answer: &Vec<u8>| {
            format!(
                "{} bytes: {} (an alert record, 0x15: fatal, decode_error), then end of stream",
                answer.len(),
                show_hex(answer)
            )
        };
        client.call_async_then("read()", why, answer, alert).await?;
        Ok(())
    }

    /// Client 2 verifies the certificate, sends two lines and closes its side; the server
    /// echoes them; the client reads them back, then the server's close_notify.
    async fn verified(&self) -> Result<()> {
        let (server, client) = (&self.server, &self.client);
        let tcp = tcp_connect(self.addr, client).await?;
        no_delay(&tcp, self.opts, client)?;
        let (conn, _) = accept(&self.listener, server).await?;
        no_delay(&conn, self.opts, server)?;
        // Both sides of the handshake at once: each waits for the other's messages.
        let (tls, served) = tokio::join!(
            handshake(
                tcp,
                self.ca.clone(),
                "localhost",
                std::slice::from_ref(&self.pin),
                DEMO_TIMEOUT,
                client
            ),
            accept_tls(&self.acceptor, conn, DEMO_TIMEOUT, server),
        );
        let (mut tls, served) = (tls?, served?);
        // As in lesson 09: the client sends everything and closes its side before the server
        // reads; the kernel holds the records meanwhile.
        let lines: [&[u8]; 2] = [b"hello\n", b"world\n"];
        for line in lines {
            send_line(&mut tls, line, client).await?;
        }
        half_close(&mut tls, client).await?;
        echo_lines(served, DEMO_TIMEOUT, server).await?;
        for line in lines {
            if read_echo(&mut tls, DEMO_TIMEOUT, client).await? != line {
                return Err(client.protocol_error("the server did not send our line back"));
            }
        }
        read_end(&mut tls, DEMO_TIMEOUT, client).await
    }

    /// Client 3 asks for example.com: it refuses the certificate, and the server's handshake
    /// ends without a connection.
    async fn wrong_name(&self) -> Result<()> {
        let wrong = "a certificate for localhost was taken for example.com";
        self.refused(&self.acceptor, "example.com", &[], wrong)
            .await
    }

    /// Client 4 is pinned to the server's first certificate, and the server now offers its
    /// new one (`renewed`): from the same CA, for the same names, valid; and refused, since it
    /// is not the one pinned. The client's alert ends the server's handshake.
    async fn pinned_to_the_old(&self, renewed: &TlsAcceptor) -> Result<()> {
        let pins = std::slice::from_ref(&self.pin);
        let wrong = "a certificate that is not the one pinned was accepted";
        self.refused(renewed, "localhost", pins, wrong).await
    }

    /// A client that must refuse what `acceptor` offers it: its handshake fails, and the
    /// server's with it (`wrong`: what it would mean if either succeeded).
    async fn refused(
        &self,
        acceptor: &TlsAcceptor,
        name: &str,
        pins: &[lesson_22_tls::Pin],
        wrong: &str,
    ) -> Result<()> {
        let (server, client) = (&self.server, &self.client);
        let tcp = tcp_connect(self.addr, client).await?;
        let (conn, _) = accept(&self.listener, server).await?;
        let (refused, dropped) = tokio::join!(
            handshake(tcp, self.ca.clone(), name, pins, DEMO_TIMEOUT, client),
            accept_tls(acceptor, conn, DEMO_TIMEOUT, server),
        );
        if refused.is_ok() || dropped.is_ok() {
            return Err(client.protocol_error(wrong));
        }
        Ok(())
    }
}

// ANCHOR_END: demo

/// `--nodelay`: send each write at once, even while earlier bytes are not yet acknowledged.
/// Without it, the client's Finished waits behind its ChangeCipherSpec until the server's
/// delayed ACK comes (Nagle's algorithm meeting delayed ACK: about 40 ms on Linux).
fn no_delay(tcp: &TcpStream, opts: &Options, say: &Narrator) -> Result<()> {
    if opts.has("--nodelay") {
        let why = "turn Nagle's algorithm off for this connection";
        say.call("setsockopt(TCP_NODELAY, 1)", why, || tcp.set_nodelay(true))?;
    }
    Ok(())
}

/// accept(), narrated.
async fn accept(listener: &TcpListener, say: &Narrator) -> Result<(TcpStream, SocketAddr)> {
    let peer = |(_, peer): &(TcpStream, SocketAddr)| format!("ok, peer {peer}");
    let why = "take the next TCP connection";
    say.call_async_then("accept()", why, listener.accept(), peer)
        .await
}

/// Bytes as hex: `15 03 03 00 02 02 32`.
fn show_hex(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.join(" ")
}

/// `--timeout SECS`.
fn deadline(opts: &Options) -> Result<Duration> {
    Ok(opts.seconds("--timeout", 30)?.max(Duration::from_secs(1)))
}

fn localhost() -> String {
    "localhost".to_string()
}

/// `--pin sha256/HEX`, as often as given: the pins a client holds the server to.
fn pins(opts: &Options) -> Result<Vec<lesson_22_tls::Pin>> {
    opts.values("--pin")
        .into_iter()
        .map(|text| {
            text.parse().map_err(|_| {
                LessonError::protocol(
                    "command line",
                    format!("--pin {text}: not a pin (sha256/ and 64 hex digits, as the server prints it)"),
                )
            })
        })
        .collect()
}

/// `--ca FILE`, by default `lesson-22-tls-ca.pem` in the temporary directory.
fn ca_file(opts: &Options) -> Result<PathBuf> {
    let default = std::env::temp_dir().join("lesson-22-tls-ca.pem");
    opts.value("--ca", default)
}

/// The CA file could not be read: say what to do.
fn no_ca(err: impl std::fmt::Display, path: &std::path::Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "no CA certificate in {}: {err} (start the server first: it writes its CA there)",
            path.display()
        ),
    )
}

/// A refused certificate: say why in words, and what to do.
fn refused_certificate(err: LessonError, name: &str) -> LessonError {
    if err.reason.contains("not valid for name") {
        err.with_hint(format!(
            "the server's certificate is not for {name:?}; it is for localhost and 127.0.0.1 (--name localhost)"
        ))
    } else if err.reason.contains("ApplicationVerificationFailure") {
        err.with_hint(
            "the server's certificate is not the one pinned (--pin): the server makes a new \
             one each run, and prints its pin; a pinned client needs the new pin",
        )
    } else if err.reason.contains("invalid peer certificate") {
        err.with_hint(
            "the certificate is not signed by the CA in --ca FILE: the server makes a new CA \
             each run; use the file it wrote this time",
        )
    } else {
        err
    }
}
