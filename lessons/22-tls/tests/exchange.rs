#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 22's exchange: the echo over TLS, the handshake's bytes, the clients that verify and
//! the one that is refused, the limits. Every client here is the lesson's own (a real TLS
//! client); the raw `Conn` plays the clients that do not speak TLS.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use testkit::{lesson, BookOutput, Conn, Server, Trace, TraceFile};

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
    let (server, trace) =
        testkit::traced_server(BIN, &[&["--ca", ca.to_str().unwrap()], args].concat());
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
        self.traced_client(input, extra).0
    }

    /// The same, with the client's trace.
    fn traced_client(&self, input: &[u8], extra: &[&str]) -> (testkit::Run, Trace) {
        let mut args = vec!["--ca", self.ca.to_str().unwrap()];
        args.extend_from_slice(extra);
        lesson(BIN)
            .client(self.server.addr)
            .args(&args)
            .stdin(input)
            .traced()
    }
}

#[test]
fn the_demo_echoes_over_tls_and_refuses_the_wrong_name_and_the_old_pin() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // The echo, decrypted, on both sides.
    assert_eq!(trace.received("server"), b"hello\nworld\n");
    assert_eq!(trace.sent("server"), b"hello\nworld\n");
    // The client's bytes: client 1's plain text and the 7 bytes of the alert it got back
    // (record type 0x15, TLS 1.2 on the record layer, 2 bytes: fatal, decode_error), then
    // client 2's lines over TLS and their echoes.
    let alert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32];
    assert_eq!(trace.sent("client"), b"hello\nhello\nworld\n");
    assert_eq!(
        trace.received("client"),
        [&alert[..], b"hello\nworld\n"].concat()
    );
    // Four TCP connections, four handshakes on the server's side: the plain-text one, the
    // example.com one and the one pinned to the old certificate failed there.
    let server = trace.calls("server");
    let accepts = server.iter().filter(|c| *c == "accept").count();
    assert_eq!(accepts, 4, "{server:?}");
    let server_errors = trace.errors("server");
    assert_eq!(server_errors.len(), 3, "{server_errors:?}");
    assert!(
        server_errors
            .iter()
            .all(|(call, _)| call == "TlsAcceptor::accept()"),
        "{server_errors:?}"
    );
    // Client 3 refused the certificate: it is not for example.com. Client 4 refused the
    // renewed one: valid, but not the one pinned.
    let client_errors = trace.errors("client");
    assert_eq!(client_errors.len(), 2, "{client_errors:?}");
    assert_eq!(
        client_errors[1].0,
        "TlsConnector::connect(\"localhost\", 1 pin)"
    );
    assert!(
        client_errors[1]
            .1
            .contains("ApplicationVerificationFailure"),
        "{client_errors:?}"
    );
    assert_eq!(client_errors[0].0, "TlsConnector::connect(\"example.com\")");
    assert!(
        client_errors[0]
            .1
            .contains("not valid for name \"example.com\""),
        "{client_errors:?}"
    );
    // Client 2 closed its side (close_notify) after its lines, and read the server's.
    let client = trace.calls("client");
    let verified = client
        .iter()
        .position(|c| c == "TlsConnector::connect")
        .unwrap();
    assert_eq!(
        client[verified..verified + 7],
        [
            "TlsConnector::connect",
            "write_all",
            "write_all",
            "shutdown",
            "read_line",
            "read_line",
            "read"
        ]
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
    let (run, trace) = s.traced_client(b"hello\n", &["--name", "example.com"]);
    run.clean_failure();
    // The handshake was the client's last call: it failed on the certificate, no line left.
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "TlsConnector::connect(\"example.com\")");
    assert!(errors[0].1.contains("not valid for name"), "{errors:?}");
    assert!(trace.sent("client").is_empty());
    s.client(b"next\n", &[]).success();
    s.server.stop();
    let trace = s.trace.read();
    assert_eq!(trace.received("server"), b"next\n");
}

#[test]
fn a_client_without_the_ca_file_says_so() {
    let s = tls_server(&[]);
    let missing = s.ca.with_file_name("nothing-here.pem");
    let (run, trace) = lesson(BIN)
        .client(s.server.addr)
        .args(&["--ca", missing.to_str().unwrap()])
        .stdin(b"hello\n")
        .traced();
    run.clean_failure();
    // The failed call is the read of that file, before any handshake.
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, format!("read({})", missing.display()));
    assert_eq!(
        trace.calls("client").last().map(String::as_str),
        Some("read")
    );
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
    let mut s = tls_server(&[]);
    let mut long = vec![b'x'; 9000];
    long.push(b'\n');
    let (run, trace) = s.traced_client(&long, &[]);
    // The client got the error line as its echo, printed it, and failed: not its line back.
    assert_eq!(
        trace.received("client"),
        b"error: line longer than 8192 bytes\n"
    );
    run.clean_failure()
        .stdout_has("echo: error: line longer than 8192 bytes");
    s.server.stop();
    // The server sent that line and nothing of the long one; its read_line() failed.
    let server = s.trace.read();
    assert_eq!(
        server.sent("server"),
        b"error: line longer than 8192 bytes\n"
    );
    let errors = server.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "read_line()");
}

#[test]
fn a_client_pinned_to_another_certificate_is_refused_and_the_server_goes_on() {
    let mut s = tls_server(&[]);
    let other = format!("sha256/{}", "5a".repeat(32));
    let (run, trace) = s.traced_client(b"hello\n", &["--pin", &other]);
    run.clean_failure();
    // The certificate is from the CA and for localhost, but not the one pinned.
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "TlsConnector::connect(\"localhost\", 1 pin)");
    assert!(
        errors[0].1.contains("ApplicationVerificationFailure"),
        "{errors:?}"
    );
    assert!(trace.sent("client").is_empty());
    // A pin that is not one is the command line's mistake, before any connection.
    s.client(b"hello\n", &["--pin", "sha256/xyz"])
        .clean_failure();
    s.client(b"next\n", &[]).success();
    s.server.stop();
    let trace = s.trace.read();
    assert_eq!(trace.received("server"), b"next\n");
}
