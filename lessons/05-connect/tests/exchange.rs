//! Lesson 05's exchange, checked for real: the handshake seen from both sides, two processes,
//! raw bytes, and the two ways a connect fails: refused and timed out. The checks read the
//! bytes, calls and errors of a run's trace (`--trace`), exit codes and raw bytes, never the
//! narration's wording (that is pinned once, by the book-output tests). Reference build only;
//! the exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::SocketAddr;
#[cfg(target_os = "linux")]
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use socket2::{Domain, Socket, Type};
use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-05-connect");

/// A port where nobody listens, and where nobody can start listening while we hold it:
/// a socket bound to it, without listen().
fn port_without_listener() -> (Socket, SocketAddr) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, addr)
}

/// The address in a call's result: `127.0.0.1:40002` in `ok, a connection from 127.0.0.1:40002`.
fn address_in(text: &str) -> SocketAddr {
    text.split([' ', ','])
        .find_map(|word| word.trim_end_matches(':').parse().ok())
        .unwrap_or_else(|| panic!("no address in {text:?}"))
}

#[test]
fn the_demo_connects_then_is_refused() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let server = [
        "socket",
        "setsockopt",
        "bind",
        "listen",
        "accept",
        "setsockopt",
        "recv",
        "recv",
        "send",
        "close",
        "close",
        "socket",
        "setsockopt",
        "bind",
        "close",
    ];
    assert_eq!(trace.calls("server"), testkit::with_reuse(&server));
    // The plain connect, the exchange, then a connect_timeout that is refused.
    let client = [
        "socket",
        "connect",
        "getsockname",
        "send",
        "setsockopt",
        "recv",
        "recv",
        "close",
        "socket",
        "connect_timeout",
    ];
    assert_eq!(trace.calls("client"), client);
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("connect_timeout("), "{errors:?}");
    assert_eq!(errors[0].1, "connection refused");
    // The bytes: hello, and the address the server saw the client at.
    assert_eq!(trace.sent("client"), b"hello\n");
    assert_eq!(trace.received("server"), b"hello\n");
    let answer = trace.sent("server");
    assert_eq!(trace.received("client"), answer);
    assert!(
        answer.starts_with(b"you came from 127.0.0.1:"),
        "{answer:?}"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn the_kernel_finishes_the_handshake_before_accept() {
    // The client is ESTABLISHED as soon as connect() returns, and the server's listener holds
    // the finished connection in its queue before the program calls accept().
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let order: Vec<(String, String)> = trace
        .events
        .iter()
        .filter(|e| e.kind == "kernel" || e.name() == "connect" || e.name() == "accept")
        .map(|e| (e.who.clone(), format!("{}{}", e.name(), e.text)))
        .collect();
    let at = |who: &str, starts: &str| {
        order
            .iter()
            .position(|(w, t)| w == who && t.starts_with(starts))
            .unwrap_or_else(|| panic!("no {who} {starts}: {order:?}"))
    };
    assert!(at("client", "no TCP entry") < at("client", "connect"));
    assert!(at("client", "connect") < at("client", "ESTABLISHED"));
    let queued = order
        .iter()
        .position(|(w, t)| w == "server" && t.contains("accept queue 1"))
        .unwrap_or_else(|| panic!("no queued connection: {order:?}"));
    assert!(at("client", "ESTABLISHED") < queued && queued < at("server", "accept"));
}

#[test]
fn the_server_sees_the_port_the_client_was_given() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let picked = trace
        .of("client")
        .find(|e| e.name() == "getsockname")
        .unwrap();
    let accepted = trace.of("server").find(|e| e.name() == "accept").unwrap();
    let client_addr = address_in(&picked.result);
    assert_eq!(address_in(&accepted.result), client_addr);
    assert_eq!(
        trace.sent("server"),
        format!("you came from {client_addr}\n").as_bytes()
    );
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &[]);
    let (run, trace) = lesson(BIN).client(server.addr).traced();
    run.success();
    let addr = server.addr;
    server.finish().success();
    let connect = trace
        .of("client")
        .find(|e| e.name() == "connect_timeout")
        .unwrap();
    assert_eq!(connect.call, format!("connect_timeout({addr}, 3000 ms)"));
    assert_eq!(trace.sent("client"), b"hello\n");
    let server_trace = server_trace.read();
    assert_eq!(server_trace.ready(), Some(addr));
    assert_eq!(server_trace.received("server"), b"hello\n");
    assert_eq!(trace.received("client"), server_trace.sent("server"));
}

#[test]
fn a_raw_client_is_told_its_own_address() {
    let server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    let me = conn.stream().local_addr().unwrap();
    conn.send(b"hel").send(b"lo\n");
    conn.expect(format!("you came from {me}\n").as_bytes())
        .expect_eof();
    server.finish().success();
}

#[test]
fn a_refused_connect_is_a_clear_error() {
    let (_held, addr) = port_without_listener();
    let (run, trace) = lesson(BIN).client(addr).traced();
    run.clean_failure();
    let refused = (
        format!("connect_timeout({addr}, 3000 ms)"),
        "connection refused".to_string(),
    );
    assert_eq!(trace.errors("client"), [refused]);
    assert_eq!(trace.calls("client"), ["socket", "connect_timeout"]);
}

#[test]
#[cfg(target_os = "linux")]
fn a_connect_to_a_full_queue_times_out() {
    let mut server = Server::start(BIN, &["--full-queue"]);
    server.wait_for("the accept queue is full");
    let (run, trace) = lesson(BIN)
        .client(server.addr)
        .args(&["--timeout", "300"])
        .traced();
    run.clean_failure();
    let timed_out = (
        format!("connect_timeout({}, 300 ms)", server.addr),
        "timed out".to_string(),
    );
    assert_eq!(trace.errors("client"), [timed_out]);
    // Closing its standard input stops the server.
    server.finish().success();
}

/// With TCP_SYNCNT 1 and no time limit of its own, the connect fails when the kernel's limit
/// passes: 1 + 2 = 3 s after the first SYN, at the next retransmission timer. Counted in SYNs
/// instead (1 + tcp_syn_linear_timeouts' 4 retransmissions, 1 s apart, then 2 s), it would
/// fail at 7 s.
#[test]
#[cfg(target_os = "linux")]
fn tcp_syncnt_1_ends_a_blocking_connect_after_three_seconds() {
    let (run, trace) = lesson(BIN)
        .args(&["--full-queue", "--syncnt", "1"])
        .traced();
    run.success();
    assert_eq!(trace.calls("client"), ["socket", "setsockopt", "connect"]);
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].1, "timed out");
    let at = |call: &str| {
        let event = trace.of("client").find(|e| e.call.starts_with(call));
        event
            .unwrap_or_else(|| panic!("no {call} in the trace"))
            .t_ms
    };
    let waited = Duration::from_secs_f64((at("connect(") - at("setsockopt(")) / 1000.0);
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(6),
        "connect() gave up after {waited:?}, not at the 3 s TCP_SYNCNT 1 allows"
    );
}

#[test]
fn a_bad_syncnt_is_explained() {
    Command::new(BIN)
        .args(["--full-queue", "--syncnt", "9"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn a_bad_timeout_is_explained() {
    Command::new(BIN)
        .args(["client", "--timeout", "soon"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-05-connect").check();
}

#[test]
fn the_book_shows_a_refused_client() {
    // The learner's first mistake: starting the client before the server. Nothing in the
    // tests listens on the lesson's own port 7005.
    BookOutput::new(BIN, "lesson-05-connect")
        .variant(&["client"], "output-refused.txt")
        .exit_code(1)
        .keep_port(7005)
        .check();
}

#[test]
#[cfg(target_os = "linux")]
fn the_book_shows_a_connect_that_times_out() {
    BookOutput::new(BIN, "lesson-05-connect")
        .variant(&["--full-queue", "--timeout", "300"], "output-timeout.txt")
        .check();
}

#[test]
#[cfg(target_os = "linux")]
fn the_book_shows_a_connect_that_tcp_syncnt_ends() {
    BookOutput::new(BIN, "lesson-05-connect")
        .variant(&["--full-queue", "--syncnt", "1"], "output-syncnt.txt")
        .check();
}

#[test]
fn the_std_and_tokio_ways_connect_and_are_refused() {
    lesson(&testkit::example("connect_std_way"))
        .run()
        .success()
        .lines_in_order(&[
            "std: connected from 127.0.0.1:",
            "refused, nobody listens there",
        ]);
    lesson(&testkit::example("connect_tokio_way"))
        .run()
        .success()
        .lines_in_order(&["tokio: connected from 127.0.0.1:", "refused"]);
}
