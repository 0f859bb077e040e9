//! Lesson 19, checked on what really happens: which addresses were tried, in which order,
//! which one connected, and the bytes that went over it. Offline: every address here is a
//! loopback one (numeric, or `localhost`, which /etc/hosts answers).
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, BookOutput, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-19-names");

/// The client's connect() attempts, in order: (the call, its result).
fn attempts(trace: &testkit::Trace) -> Vec<(String, String)> {
    trace
        .of("client")
        .filter(|e| e.kind == "call" && e.name() == "connect")
        .map(|e| (e.call.clone(), e.result.clone()))
        .collect()
}

#[test]
fn the_demo_is_refused_on_ipv6_and_served_on_ipv4_both_ways() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Twice ::1 first (refused: the server is on 127.0.0.1 only), then 127.0.0.1, which works.
    let tried = attempts(&trace);
    assert_eq!(tried.len(), 4, "{tried:?}");
    for pair in tried.chunks(2) {
        assert!(pair[0].0.starts_with("connect([::1]:"), "{tried:?}");
        assert!(pair[0].1.starts_with("error"), "{tried:?}");
        assert!(pair[1].0.starts_with("connect(127.0.0.1:"), "{tried:?}");
        assert!(pair[1].1.starts_with("ok"), "{tried:?}");
    }
    // The bytes went over the connection that won.
    assert_eq!(trace.sent("client"), b"hello\nagain\n");
    assert_eq!(trace.received("server"), b"hello\nagain\n");
    assert_eq!(trace.received("client"), b"hello\nagain\n");
}

#[test]
fn a_client_given_a_name_finds_the_server() {
    // Whatever localhost is here (127.0.0.1, ::1 or both, in any order), a server on
    // 127.0.0.1 is found: the addresses that refuse are skipped.
    let (server, server_trace) =
        testkit::traced_server(BIN, &["server", "--addr", "127.0.0.1:0", "--clients", "1"]);
    let name = format!("localhost:{}", server.addr.port());
    let (run, trace) = lesson(BIN).args(&["client", "--addr", &name]).traced();
    run.success().stdout_has("echo: hello");
    assert_eq!(trace.received("client"), b"hello\n");
    server.finish().success();
    assert_eq!(server_trace.read().received("server"), b"hello\n");
}

#[test]
fn a_refused_address_is_not_the_end_the_next_one_is_tried() {
    // The fallback across two processes, whatever this machine's localhost is: ::1 first,
    // where nobody listens, then 127.0.0.1.
    let (server, _trace) =
        testkit::traced_server(BIN, &["server", "--addr", "127.0.0.1:0", "--clients", "1"]);
    let port = server.addr.port();
    let (v6, v4) = (format!("[::1]:{port}"), format!("127.0.0.1:{port}"));
    let (run, trace) = lesson(BIN)
        .args(&["client", "--addr", &v6, "--also", &v4])
        .traced();
    run.success().stdout_has("echo: hello");
    let tried = attempts(&trace);
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert!(
        tried[0].1.starts_with("error") && tried[1].1.starts_with("ok"),
        "{tried:?}"
    );
    server.finish().success();
}

#[test]
fn when_every_address_refuses_the_client_fails_cleanly() {
    let (a, b) = (testkit::refusing_port(), testkit::refusing_port());
    let (first, second) = (a.addr.to_string(), b.addr.to_string());
    let (run, trace) = lesson(BIN)
        .args(&["client", "--addr", &first, "--also", &second])
        .traced();
    run.clean_failure().stderr_has("connection refused");
    // Both were tried, in order, before giving up.
    let tried = attempts(&trace);
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert!(
        tried[0].0.contains(&first) && tried[1].0.contains(&second),
        "{tried:?}"
    );
}

/// A listener that never answers a new connection: its queue (listen(0)) is full with one
/// connection nobody accepts, so Linux drops the next SYNs and connect() waits.
#[cfg(target_os = "linux")]
fn stalled() -> (socket2::Socket, std::net::TcpStream, std::net::SocketAddr) {
    use socket2::{Domain, Socket, Type};
    use std::net::SocketAddr;
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let filler = std::net::TcpStream::connect(addr).unwrap();
    (socket, filler, addr)
}

#[cfg(target_os = "linux")]
#[test]
fn happy_eyeballs_starts_the_next_attempt_without_waiting_for_a_silent_one() {
    let (_stalled, _filler, silent) = stalled();
    let (server, _trace) =
        testkit::traced_server(BIN, &["server", "--addr", "127.0.0.1:0", "--clients", "1"]);
    let (silent, good) = (silent.to_string(), server.addr.to_string());
    let (run, trace) = lesson(BIN)
        .args(&["client", "--happy", "--addr", &silent, "--also", &good])
        .traced();
    run.success().stdout_has("echo: hello");
    // The second address won while the first was still waiting: no result for the silent
    // one came before the winner (one after another, its 2 s timeout would come first).
    let tried = attempts(&trace);
    assert_eq!(tried.len(), 1, "{tried:?}");
    assert!(
        tried[0].0.contains(&good) && tried[0].1.starts_with("ok"),
        "{tried:?}"
    );
    server.finish().success();
    // Proof that the address was silent: one after another, the client first waits it out.
    let (run, trace) = {
        let server = Server::start(BIN, &["server", "--addr", "127.0.0.1:0", "--clients", "1"]);
        let good = server.addr.to_string();
        let out = lesson(BIN)
            .args(&["client", "--addr", &silent, "--also", &good])
            .traced();
        server.finish().success();
        out
    };
    run.success();
    let tried = attempts(&trace);
    assert!(tried[0].1.contains("timed out"), "{tried:?}");
}

#[test]
fn a_server_given_a_name_listens_on_its_first_address() {
    let server = Server::start(BIN, &["server", "--addr", "localhost:0", "--clients", "1"]);
    assert!(server.addr.ip().is_loopback(), "{}", server.addr);
    let first = ("localhost", 0u16);
    let expected = std::net::ToSocketAddrs::to_socket_addrs(&first)
        .unwrap()
        .next()
        .unwrap();
    assert_eq!(server.addr.ip(), expected.ip());
    let client = lesson(BIN).client(server.addr).run();
    client.success().stdout_has("echo: hello");
    server.finish().success();
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-19-names").check();
}
