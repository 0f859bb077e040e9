//! Lesson 01's exchange, checked for real: the demo, two processes, raw bytes, and failures.
//! The checks read the bytes and calls of a run's trace (`--trace`), never the narration's
//! wording (that is pinned once, by the book-output test). The lesson as the book shows it runs
//! on the reference build only; the exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-01-socket");

/// Every call of the server's connection, in order (recv twice: a peek, then the take).
const SERVER_CALLS: [&str; 10] = [
    "socket",
    "setsockopt",
    "bind",
    "listen",
    "accept",
    "recv",
    "recv",
    "send",
    "close",
    "close",
];

#[test]
fn the_demo_runs_the_whole_exchange_in_order() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    assert_eq!(trace.calls("kinds"), ["socket", "socket", "socket"]);
    // The bytes, as each side's recv() and send() moved them.
    assert_eq!(trace.sent("client"), b"hello\n");
    assert_eq!(trace.received("server"), b"hello\n");
    assert_eq!(trace.sent("server"), b"HELLO\n");
    assert_eq!(trace.received("client"), b"HELLO\n");
    // Every call of a connection's life, in order (recv twice: a peek, then the take).
    assert_eq!(trace.calls("server"), testkit::with_reuse(&SERVER_CALLS));
    let client = ["socket", "connect", "send", "recv", "recv", "close"];
    assert_eq!(trace.calls("client"), client);
    assert!(trace.errors("server").is_empty() && trace.errors("client").is_empty());
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &[]);
    let (run, trace) = lesson(BIN).client(server.addr).traced();
    run.success();
    assert_eq!(trace.sent("client"), b"hello\n");
    assert_eq!(trace.received("client"), b"HELLO\n");
    let addr = server.addr;
    server.finish().success();
    let server_trace = server_trace.read();
    assert_eq!(server_trace.ready(), Some(addr));
    assert_eq!(server_trace.received("server"), b"hello\n");
    assert_eq!(server_trace.sent("server"), b"HELLO\n");
    assert_eq!(
        server_trace.calls("server"),
        testkit::with_reuse(&SERVER_CALLS)
    );
}

#[test]
fn the_server_listens_on_ipv6_too() {
    // Only the right address family can bind [::1]: this is what the exercise is about.
    let (server, server_trace) = testkit::traced_server(BIN, &["--addr", "[::1]:0"]);
    assert!(server.addr.is_ipv6(), "listening on {}", server.addr);
    let (run, trace) = lesson(BIN).client(server.addr).traced();
    run.success();
    assert_eq!(trace.received("client"), b"HELLO\n");
    server.finish().success();
    assert_eq!(server_trace.read().received("server"), b"hello\n");
}

#[test]
fn a_raw_client_gets_the_bytes_and_end_of_stream() {
    let server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    // Split the line in two sends: the server must keep reading until the newline.
    conn.send(b"he");
    conn.send(b"llo\n").expect(b"HELLO\n").expect_eof();
    server.finish().success();
}

/// The server closes first, so its port is left with a connection in TIME_WAIT for a minute;
/// SO_REUSEADDR lets a new server bind it at once, as the chapter's "Try it" does. (Without
/// `reuse_address` in listen_on, the second server fails: address already in use.)
#[cfg(unix)]
#[test]
fn the_server_starts_again_at_once_on_the_same_port() {
    let first = Server::start(BIN, &[]);
    Conn::open(first.addr)
        .send(b"hello\n")
        .expect(b"HELLO\n")
        .expect_eof();
    let port = first.addr.to_string();
    first.finish().success();
    let again = Server::start(BIN, &["--addr", &port]);
    assert_eq!(again.addr.to_string(), port);
    Conn::open(again.addr)
        .send(b"hello\n")
        .expect(b"HELLO\n")
        .expect_eof();
    again.finish().success();
}

/// A process that dies does not reset its connections: its kernel closes them as at any exit,
/// with FIN, and the peer reads end of stream (chapter 6's table). Had the kernel sent RST,
/// the read would fail with "connection reset by peer" instead of returning 0.
#[cfg(unix)]
#[test]
fn a_killed_server_closes_its_connection_with_fin_not_rst() {
    use std::io::Read;
    let mut server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"hel");
    // The server has taken the 3 bytes (nothing unread) and waits for the rest of the line.
    server.wait_for_line("the recv(3) line", |line| line.contains("recv(3)"));
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &server.pid().to_string()])
        .status()
        .expect("the kill command runs");
    assert!(killed.success());
    let mut buf = [0u8; 16];
    let read = testkit::uninterrupted(|| conn.stream().read(&mut buf));
    assert_eq!(
        read.map_err(|e| e.kind()),
        Ok(0),
        "end of stream, not a reset"
    );
    server.stop();
}

#[test]
fn a_client_that_leaves_early_is_reported_by_the_server() {
    let (server, trace) = testkit::traced_server(BIN, &[]);
    Conn::open(server.addr).send(b"no newline");
    // The connection is dropped here, before a whole line was sent: the server took the bytes,
    // found the end of the stream, and stops with an error (exit code 1), at a recv().
    server.finish().clean_failure();
    let trace = trace.read();
    assert_eq!(trace.received("server"), b"no newline");
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-01-socket").check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    testkit::std_and_tokio_say("socket", r#"server got "hello\n", client got "HELLO\n""#);
}

/// What the kernel holds after each call, read from /proc/net/tcp (Linux only).
#[cfg(target_os = "linux")]
#[test]
fn the_kernel_view_follows_the_connection_through_its_states() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Unbound sockets have no TCP entry: three times "no".
    assert_eq!(trace.states("kinds"), ["no", "no", "no"]);
    // listen; the queue with the client's connection; accept; the client's FIN arrived; the
    // connection and the listener closed.
    assert_eq!(
        trace.states("server"),
        ["LISTEN", "LISTEN", "ESTABLISHED", "CLOSE_WAIT", "no", "no"]
    );
    let queued = trace.of("server").filter(|e| e.kind == "kernel").nth(1);
    assert!(
        queued.is_some_and(|e| e.text.contains("accept queue 1")),
        "{queued:?}"
    );
    // connect; after its close, the client waits for the server's FIN.
    assert_eq!(trace.states("client"), ["ESTABLISHED", "FIN_WAIT2"]);
}

#[cfg(not(target_os = "linux"))]
#[test]
fn elsewhere_the_kernel_view_says_it_is_not_available() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let views = trace.events.iter().filter(|e| e.kind == "kernel").count();
    assert_eq!(
        views, 1,
        "the kernel view says once that it is not available"
    );
}
