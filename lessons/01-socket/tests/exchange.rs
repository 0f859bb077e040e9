//! Lesson 01's exchange, checked for real: the demo, two processes, raw bytes, and failures.

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-01-socket");

#[test]
fn the_demo_runs_the_whole_exchange_in_order() {
    lesson(BIN).run().success().lines_in_order(&[
        "kinds   socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) -> ok, a SOCK_STREAM socket",
        "kinds   socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) -> ok, a SOCK_STREAM socket",
        "kinds   socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP) -> ok, a SOCK_DGRAM socket",
        "server  socket(AF_INET, SOCK_STREAM) -> ok",
        "server  bind(127.0.0.1:0) -> ok, bound to 127.0.0.1:",
        "server  listen(backlog=128) -> ok",
        "listening on 127.0.0.1:",
        "client  connect(127.0.0.1:",
        "server  accept() -> ok",
        "client  send(b\"hello\\n\") -> 6 bytes",
        "server  recv(1024, MSG_PEEK) -> 6 bytes: b\"hello\\n\"",
        "server  send(b\"HELLO\\n\") -> 6 bytes",
        "client  recv(1024, MSG_PEEK) -> 6 bytes: b\"HELLO\\n\"",
        "client  close(client socket) -> ok",
        "server  close(connection) -> ok",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn server_and_client_in_two_processes() {
    let server = Server::start(BIN, &[]);
    let client = lesson(BIN).client(server.addr).run();
    client.success().lines_in_order(&[
        "client  connect(",
        "client  send(b\"hello\\n\") -> 6 bytes",
        "client  recv(1024, MSG_PEEK) -> 6 bytes: b\"HELLO\\n\"",
        "answer: HELLO",
        "client  close(client socket) -> ok",
    ]);
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  socket(AF_INET, SOCK_STREAM) -> ok",
        "server  listen(backlog=128) -> ok",
        "server  accept() -> ok",
        "server  recv(1024, MSG_PEEK) -> 6 bytes: b\"hello\\n\"",
        "server  send(b\"HELLO\\n\") -> 6 bytes",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn the_server_listens_on_ipv6_too() {
    // Only the right address family can bind [::1]: this is what the exercise is about.
    let server = Server::start(BIN, &["--addr", "[::1]:0"]);
    assert!(server.addr.is_ipv6(), "listening on {}", server.addr);
    lesson(BIN)
        .client(server.addr)
        .run()
        .success()
        .lines_in_order(&[
            "client  socket(AF_INET6, SOCK_STREAM) -> ok",
            "answer: HELLO",
        ]);
    server
        .finish()
        .success()
        .lines_in_order(&["server  socket(AF_INET6, SOCK_STREAM) -> ok"]);
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
    server.wait_for("recv(3) -> 3 bytes");
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
    let server = Server::start(BIN, &[]);
    Conn::open(server.addr).send(b"no newline");
    // The connection is dropped here, before a whole line was sent.
    server
        .finish()
        .clean_failure()
        .stderr_has("the peer closed before sending a whole line");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-01-socket").check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    lesson(&testkit::example("socket_std_way"))
        .run()
        .success()
        .stdout_has(r#"std: server got "hello\n", client got "HELLO\n""#);
    lesson(&testkit::example("socket_tokio_way"))
        .run()
        .success()
        .stdout_has(r#"tokio: server got "hello\n", client got "HELLO\n""#);
}

/// What the kernel holds after each call, read from /proc/net/tcp (Linux only).
#[cfg(target_os = "linux")]
#[test]
fn the_kernel_view_follows_the_connection_through_its_states() {
    lesson(BIN).run().success().lines_in_order(&[
        "kinds   kernel: no TCP entry (not bound yet)",
        "server  kernel: LISTEN 127.0.0.1:",
        "client  kernel: ESTABLISHED",
        // connect() has returned, accept() has not been called: the connection waits.
        "accept queue 1",
        "server  kernel: ESTABLISHED",
        "client  close(client socket) -> ok",
        "client  kernel: FIN_WAIT2",
        "server  kernel: CLOSE_WAIT",
        "server  close(connection) -> ok",
        "server  kernel: no TCP entry",
    ]);
}

#[cfg(not(target_os = "linux"))]
#[test]
fn elsewhere_the_lesson_says_the_kernel_view_is_not_available() {
    lesson(BIN)
        .run()
        .success()
        .stdout_has("kernel: the kernel view is not available on");
}
