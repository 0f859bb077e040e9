#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 22's exchange: the echo over TLS, the handshake's bytes, the clients that verify and
//! the one that is refused, the limits. Every client here is the lesson's own (a real TLS
//! client); the raw `Conn` plays the clients that do not speak TLS.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use testkit::{lesson, BookOutput, Conn, Server, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-22-tls");

/// A server with its CA in a file of its own (and its trace).
struct TlsServer {
    server: Server,
    ca: PathBuf,
    trace: TraceFile,
    _dir: tempfile::TempDir,
}

fn tls_server(args: &[&str]) -> TlsServer {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = dir.path().join("ca.pem");
    let trace = TraceFile::new();
    let mut all = vec!["--ca", ca.to_str().unwrap(), "--trace", trace.path()];
    all.extend_from_slice(args);
    let server = Server::start(BIN, &all);
    TlsServer {
        server,
        ca,
        trace,
        _dir: dir,
    }
}

impl TlsServer {
    /// The lesson's client, with `input` on its standard input and `extra` flags.
    fn client(&self, input: &[u8], extra: &[&str]) -> testkit::Run {
        let mut args = vec!["--ca", self.ca.to_str().unwrap()];
        args.extend_from_slice(extra);
        lesson(BIN)
            .client(self.server.addr)
            .args(&args)
            .stdin(input)
            .run()
    }
}

#[test]
fn the_demo_echoes_over_tls_and_refuses_the_wrong_name() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // The echo, decrypted, on both sides.
    assert_eq!(trace.received("server"), b"hello\nworld\n");
    assert_eq!(trace.sent("server"), b"hello\nworld\n");
    assert_eq!(trace.received("client"), b"hello\nworld\n");
    // The plain-text client failed the server's handshake; the client asking for
    // example.com failed its own (the certificate), and the server saw it go.
    let client_errors = trace.errors("client");
    assert_eq!(client_errors.len(), 1, "{client_errors:?}");
    assert!(
        client_errors[0]
            .1
            .contains("not valid for name \"example.com\""),
        "{client_errors:?}"
    );
    assert_eq!(
        trace.errors("server").len(),
        2,
        "{:?}",
        trace.errors("server")
    );
}

#[test]
fn book_output() {
    BookOutput::new(BIN, "lesson-22-tls").check();
}

#[test]
fn a_client_that_trusts_the_ca_gets_its_lines_back() {
    let mut s = tls_server(&[]);
    s.client(b"hello\ncaf\xc3\xa9 \xff\n", &[])
        .success()
        .stdout_has("echo: hello");
    // A client with a name the certificate has as an IP address works too.
    s.client(b"again\n", &["--name", "127.0.0.1"]).success();
    s.server.stop();
    let trace = s.trace.read();
    assert_eq!(
        trace.received("server"),
        b"hello\ncaf\xc3\xa9 \xff\nagain\n"
    );
    assert_eq!(trace.sent("server"), trace.received("server"));
}

#[test]
fn a_client_asking_for_another_name_is_refused_and_the_server_goes_on() {
    let mut s = tls_server(&[]);
    s.client(b"hello\n", &["--name", "example.com"])
        .clean_failure()
        .stderr_has("not valid for name \"example.com\"");
    s.client(b"next\n", &[]).success();
    s.server.stop();
    let trace = s.trace.read();
    assert_eq!(trace.received("server"), b"next\n");
}

#[test]
fn a_client_without_the_ca_file_says_so() {
    let s = tls_server(&[]);
    let missing = s.ca.with_file_name("nothing-here.pem");
    lesson(BIN)
        .client(s.server.addr)
        .args(&["--ca", missing.to_str().unwrap()])
        .stdin(b"hello\n")
        .run()
        .clean_failure()
        .stderr_has("nothing-here.pem");
}

#[test]
fn a_plain_text_client_gets_a_tls_alert_and_is_closed() {
    let s = tls_server(&[]);
    let mut conn = Conn::open(s.server.addr);
    conn.send(b"hello\n");
    // An alert record (0x15), TLS 1.2 on the record layer, 2 bytes: fatal (2), decode_error (50).
    assert_eq!(
        conn.read_to_end(),
        [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]
    );
    s.client(b"next\n", &[]).success();
}

#[test]
fn a_handshake_that_never_finishes_is_dropped_at_the_deadline() {
    let s = tls_server(&["--timeout", "1"]);
    let began = Instant::now();
    let mut stalled = Conn::open(s.server.addr);
    // A handshake record's header that promises 512 bytes, and then nothing.
    stalled.send(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);
    // Served meanwhile: the stalled handshake holds only its own task.
    s.client(b"meanwhile\n", &[]).success();
    let rest = stalled.read_to_end();
    let took = began.elapsed();
    assert!(rest.is_empty(), "no answer to half a ClientHello: {rest:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(6),
        "dropped after {took:?}, the deadline is 1 s"
    );
}

#[test]
fn a_line_over_the_limit_gets_an_error_line() {
    let s = tls_server(&[]);
    let mut long = vec![b'x'; 9000];
    long.push(b'\n');
    s.client(&long, &[])
        .clean_failure()
        .stdout_has("echo: error: line longer than 8192 bytes");
}
