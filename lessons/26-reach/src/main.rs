//! Lesson 26, the challenge of part three: a client that finds its server.
//!
//! The learner writes `reach` (src/exercise.rs) from the chapter's spec: resolve a name,
//! connect with Happy Eyeballs (RFC 8305: attempts staggered by 250 ms, the first connection
//! wins, the others cancelled), speak TLS checking that the certificate is for that name, send
//! a request and read the answer. This file is the lesson around it: a TLS server that answers
//! a request line with the line in capitals, the lesson's resolvers (the system's, and one
//! that lists the addresses the demo chose, each narrated), and a demo that sends `reach` at a
//! black hole before the server, at a server whose certificate is for another name, and at two
//! addresses that both fail.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use common::lines::read_line;
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use lesson_26_reach::{black_hole, reach, Limits, ReachError, Reached, Resolve};

static LESSON: Lesson = Lesson {
    package: "lesson-26-reach",
    title: "challenge: a client that finds its server",
    port: 7026,
    about: "The server speaks TLS 1.3 with a certificate for localhost and 127.0.0.1, made for\n\
            the run by a CA of its own, which it writes (PEM) to --ca FILE. It reads one request\n\
            line (at most 1024 bytes) and answers it in capitals, then closes (close_notify,\n\
            FIN): b\"hello\\n\" -> b\"HELLO\\n\". It serves many clients at once, each within\n\
            --timeout seconds.\n\
            The client is YOUR reach (src/exercise.rs): it resolves --name (default localhost)\n\
            with the system's resolver, connects to the port of --addr with Happy Eyeballs,\n\
            checks the certificate for --name against --ca FILE, sends b\"hello\\n\" and prints\n\
            the answer.\n\
            Try it with: cargo run -p lesson-26-reach -- server, then\n\
            cargo run -p lesson-26-reach -- client --name localhost",
    flags: &[
        Flag {
            name: "--ca",
            value: Some("FILE"),
            help: "server: write the run's CA here; client: trust this CA (default: lesson-26-reach-ca.pem in the temp dir)",
        },
        Flag {
            name: "--name",
            value: Some("NAME"),
            help: "client: the name to resolve and to find in the certificate (default localhost)",
        },
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "server: deadline for each client's handshake, request and answer; client: for reach (default 10)",
        },
    ],
};

/// The longest request line the server takes, newline included.
const MAX_REQUEST: usize = 1024;

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

// ANCHOR: resolvers
/// The system's resolver (getaddrinfo, chapter 19), narrated.
struct System(Narrator);

impl Resolve for System {
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let call = format!("getaddrinfo({host:?}, {port})");
        let found = self.0.call_then(
            call,
            "every address of the name",
            || Ok((host, port).to_socket_addrs()?.collect::<Vec<_>>()),
            |addrs| show_addrs(addrs),
        );
        found.map_err(|e| io::Error::other(e.reason))
    }
}

/// A resolver that answers with the addresses the demo chose, narrated the same way.
struct Listed(Vec<SocketAddr>, Narrator);

impl Resolve for Listed {
    // (The addresses the demo chose carry their own ports.)
    fn resolve(&self, host: &str, _port: u16) -> io::Result<Vec<SocketAddr>> {
        let call = format!("resolve({host:?})");
        let why = "the demo's resolver: the addresses it was given";
        let found = self
            .1
            .call_then(call, why, || Ok(self.0.clone()), |a| show_addrs(a));
        found.map_err(|e| io::Error::other(e.reason))
    }
}

fn show_addrs(addrs: &[SocketAddr]) -> String {
    let all: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
    format!("[{}]", all.join(", "))
}
// ANCHOR_END: resolvers

// ANCHOR: certificates
/// The run's CA (its certificate, DER and PEM) and the server's TLS configuration: a
/// certificate for `localhost` and `127.0.0.1` signed by that CA (lesson 22).
struct Certificates {
    ca: CertificateDer<'static>,
    ca_pem: String,
    acceptor: TlsAcceptor,
}

fn make_certificates() -> io::Result<Certificates> {
    let fail = io::Error::other;
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ED25519).map_err(fail)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_name = "lesson-26-reach run CA";
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca_cert = ca_params.self_signed(&ca_key).map_err(fail)?;
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).map_err(fail)?;
    let names = vec!["localhost".to_string(), "127.0.0.1".into()];
    let params = CertificateParams::new(names).map_err(fail)?;
    let cert = params
        .signed_by(&key, &Issuer::new(ca_params, ca_key))
        .map_err(fail)?;
    let key = PrivatePkcs8KeyDer::from(key.serialize_der()).into();
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .map_err(io::Error::other)?;
    config.send_tls13_tickets = 0;
    Ok(Certificates {
        ca: ca_cert.der().clone(),
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

/// The client's TLS configuration: trust `ca`, and nothing else (no CA: nothing at all).
fn client_config(ca: Option<CertificateDer<'static>>) -> io::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    if let Some(ca) = ca {
        roots.add(ca).map_err(io::Error::other)?;
    }
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
// ANCHOR_END: certificates

// ANCHOR: serve
/// One client: the handshake, one request line, its answer in capitals, close_notify and
/// FIN; all within `limit`. Whatever goes wrong ends this connection only.
async fn serve_one(acceptor: TlsAcceptor, tcp: TcpStream, limit: Duration, say: Narrator) {
    let served = timeout(limit, async {
        let why = "the TLS handshake, our certificate";
        let accepting = acceptor.accept(tcp);
        let show = |tls: &tokio_rustls::server::TlsStream<TcpStream>| {
            format!("ok, SNI {:?}", tls.get_ref().1.server_name().unwrap_or(""))
        };
        let tls = say
            .call_async_then("TlsAcceptor::accept()", why, accepting, show)
            .await?;
        let mut tls = BufReader::new(tls);
        let mut line = Vec::new();
        let why = "one request line, decrypted";
        let reading = async {
            let read = read_line(&mut tls, &mut line, MAX_REQUEST).await?;
            read.ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no request"))
        };
        let request = say
            .call_async_then("read_line()", why, reading, |r| show_bytes(r))
            .await?;
        say.moved(Kind::Recv, "read_line", &request);
        let answer = request.to_ascii_uppercase();
        let call = format!("write_all({})", show_bytes(&answer));
        let writing = async {
            tls.write_all(&answer).await?;
            tls.shutdown().await // close_notify, then FIN
        };
        say.call_async(call, "the answer, then close_notify and FIN", writing)
            .await?;
        say.moved(Kind::Send, "write_all", &answer);
        Ok::<(), common::LessonError>(())
    });
    if served.await.is_err() {
        say.note(format!(
            "no request and answer within {} s: dropped",
            limit.as_secs()
        ));
    }
}

/// The accept loop: a task per client, for ever; accept() errors ride out with a pause.
async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, limit: Duration, say: Narrator) {
    let mut pause = Duration::from_millis(10);
    loop {
        let show = |(_, peer): &(TcpStream, SocketAddr)| format!("ok, peer {peer}");
        match say
            .call_async_then("accept()", "a client", listener.accept(), show)
            .await
        {
            Ok((tcp, _)) => {
                pause = Duration::from_millis(10);
                tokio::spawn(serve_one(acceptor.clone(), tcp, limit, say.clone()));
            }
            Err(_) => {
                sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}
// ANCHOR_END: serve

/// socket() + bind() + listen().
async fn bind(addr: SocketAddr, say: &Narrator) -> Result<TcpListener> {
    let call = format!("TcpListener::bind({addr})");
    let show = |l: &TcpListener| match l.local_addr() {
        Ok(bound) => format!("ok, bound to {bound}"),
        Err(e) => format!("ok ({e})"),
    };
    say.call_async_then(
        call,
        "socket + bind + listen",
        TcpListener::bind(addr),
        show,
    )
    .await
}

/// `--timeout SECS`.
fn deadline(opts: &Options) -> Result<Duration> {
    Ok(opts.seconds("--timeout", 10)?.max(Duration::from_secs(1)))
}

/// `--ca FILE`, by default `lesson-26-reach-ca.pem` in the temporary directory.
fn ca_file(opts: &Options) -> Result<PathBuf> {
    let default = std::env::temp_dir().join("lesson-26-reach-ca.pem");
    opts.value("--ca", default)
}

// ANCHOR: server
/// The server: a CA and a certificate for the run, the CA written to `--ca FILE`, then a task
/// per client.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limit = deadline(opts)?;
    let why = "a CA for this run, and a certificate for localhost and 127.0.0.1";
    let certs = say.call_then("make_certificates()", why, make_certificates, |_| {
        "ok".into()
    })?;
    let ca_file = ca_file(opts)?;
    let call = format!("write({})", ca_file.display());
    say.call(call, "the CA, for the clients", || {
        std::fs::write(&ca_file, &certs.ca_pem)
    })?;
    let rt = runtime(&say)?;
    rt.block_on(async {
        let listener = bind(opts.addr, &say).await?;
        opts.ready(
            listener
                .local_addr()
                .map_err(|e| say.failed("getsockname()", e))?,
        );
        accept_loop(listener, certs.acceptor, limit, say).await;
        Ok(())
    })
}
// ANCHOR_END: server

// ANCHOR: client
/// The client: YOUR reach, with the system's resolver, the CA the server wrote, and the
/// name from --name; then print the answer.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let name = opts.value("--name", "localhost".to_string())?;
    let limits = Limits {
        deadline: deadline(opts)?,
        ..Limits::default()
    };
    // Without the server's CA file, trust nothing: a server that is not running is then
    // reported as such (connection refused), and one that is fails its handshake.
    let ca_file = ca_file(opts)?;
    let call = format!("read({})", ca_file.display());
    let ca = say.call_then(
        call,
        "the CA we trust: the server wrote it",
        || Ok(CertificateDer::from_pem_file(&ca_file).map_err(|e| no_ca(e, &ca_file))),
        |ca| {
            ca.as_ref()
                .map_or_else(|e| format!("{e}: trusting no CA"), |_| "ok".into())
        },
    )?;
    let config = say.call_then(
        "ClientConfig::builder()",
        "trust that CA only",
        || client_config(ca.ok()),
        |_| "ok".into(),
    )?;
    let rt = runtime(&say)?;
    let resolver = System(say.clone());
    let port = opts.addr.port();
    let reached = rt.block_on(reach(&resolver, &name, port, config, b"hello\n", &limits));
    let reached = said(&say, &name, reached)?;
    println!(
        "answer: {}",
        String::from_utf8_lossy(&reached.answer).trim_end()
    );
    Ok(())
}

/// What reach returned, narrated: the winner and the answer, or the error.
fn said(
    say: &Narrator,
    name: &str,
    reached: std::result::Result<Reached, ReachError>,
) -> Result<Reached> {
    let call = format!("reach({name:?})");
    let why = "resolve, connect, TLS, request, answer";
    let outcome = || reached.map_err(|e| as_io_error(e, say));
    let show = |r: &Reached| format!("ok, through {}: {}", r.addr, show_bytes(&r.answer));
    let reached = say.call_then(call, why, outcome, show)?;
    say.moved(Kind::Recv, "reach", &reached.answer);
    Ok(reached)
}

/// reach's error as the io::Error it comes to. Every address refused is said first, as a note:
/// the server is not running (the refused error's hint says how to start it).
fn as_io_error(e: ReachError, say: &Narrator) -> io::Error {
    if refused_everywhere(&e) {
        say.note(e.to_string());
        return io::ErrorKind::ConnectionRefused.into();
    }
    io::Error::other(e.to_string())
}

/// Every address refused: the server is not running, and the error says so (with its hint).
fn refused_everywhere(e: &ReachError) -> bool {
    let refused = |(_, e): &(SocketAddr, io::Error)| e.kind() == io::ErrorKind::ConnectionRefused;
    matches!(e, ReachError::AllFailed(each) if each.iter().all(refused))
}

/// The CA file could not be read: say what to do.
fn no_ca(err: impl std::fmt::Display, path: &std::path::Path) -> io::Error {
    let why = format!(
        "no CA certificate in {}: {err} (start the server first: it writes its CA there)",
        path.display()
    );
    io::Error::new(io::ErrorKind::NotFound, why)
}
// ANCHOR_END: client

// ANCHOR: demo
/// The demo, in one process: the server, a black hole and a refusing port; then three
/// reaches: past the black hole to the server, a name the certificate does not have, and
/// two addresses that both fail.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let why = "a CA for this run, and a certificate for localhost and 127.0.0.1";
    let certs = server.call_then("make_certificates()", why, make_certificates, |_| {
        "ok".into()
    })?;
    let config = client.call_then(
        "ClientConfig::builder()",
        "trust the run's CA only",
        || client_config(Some(certs.ca.clone())),
        |_| "ok".into(),
    )?;
    let (hole, refusing) = bad_addresses(&opts.narrator("lesson"))?;
    let rt = runtime(&opts.narrator("lesson"))?;
    rt.block_on(async {
        let listener = bind(opts.addr, &server).await?;
        let addr = listener
            .local_addr()
            .map_err(|e| server.failed("getsockname()", e))?;
        opts.ready(addr);
        tokio::spawn(accept_loop(
            listener,
            certs.acceptor,
            Duration::from_secs(5),
            server,
        ));
        let limits = Limits {
            attempt: Duration::from_millis(500),
            ..Limits::default()
        };
        // Past the black hole to the server; the server under another name; nothing works.
        let tries = [
            ("localhost", vec![hole.addr, addr], true),
            ("example.com", vec![addr], false),
            ("localhost", vec![refusing.0, hole.addr], false),
        ];
        for (name, addrs, works) in tries {
            let resolver = Listed(addrs, client.clone());
            let got = reach(
                &resolver,
                name,
                addr.port(),
                config.clone(),
                b"hello\n",
                &limits,
            );
            let reached = said(&client, name, got.await).is_ok();
            if reached != works {
                let what = if works { "failed" } else { "got through" };
                return Err(client.protocol_error(format!("reach({name:?}) {what}")));
            }
        }
        Ok(())
    })
}

/// The demo's two addresses that do not work: a black hole, and a port that refuses.
fn bad_addresses(
    say: &Narrator,
) -> Result<(lesson_26_reach::BlackHole, (SocketAddr, socket2::Socket))> {
    let why = "listen(0) and one connection nobody accepts: new SYNs are dropped";
    let show = |h: &lesson_26_reach::BlackHole| format!("ok, {}", h.addr);
    let hole = say.call_then("black_hole()", why, black_hole, show)?;
    Ok((hole, refusing_port(say)?))
}

/// A port where nobody listens: bound, never listening, so a connect() there is refused.
fn refusing_port(say: &Narrator) -> Result<(SocketAddr, socket2::Socket)> {
    use socket2::{Domain, Socket, Type};
    let why = "bound, never listening: connect() is refused";
    say.call_then(
        "refusing_port()",
        why,
        || {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
            let any: SocketAddr = "127.0.0.1:0".parse().expect("an address");
            socket.bind(&any.into())?;
            let addr = socket
                .local_addr()?
                .as_socket()
                .ok_or_else(|| io::Error::other("not IP"))?;
            Ok((addr, socket))
        },
        |(addr, _)| format!("ok, {addr}"),
    )
}
// ANCHOR_END: demo
