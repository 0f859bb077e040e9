//! Lesson 05's exchange, checked for real: the handshake seen from both sides, two processes,
//! raw bytes, and the two ways a connect fails: refused and timed out.

use std::net::SocketAddr;

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

#[test]
fn the_demo_connects_then_is_refused() {
    lesson(BIN).run().success().lines_in_order(&[
        "server  listen(backlog=128) -> ok",
        "listening on 127.0.0.1:",
        "client  socket(AF_INET, SOCK_STREAM) -> ok",
        "client  connect(127.0.0.1:",
        "client  getsockname() -> 127.0.0.1:",
        "server  accept() -> ok, a connection from 127.0.0.1:",
        "client  send(b\"hello\\n\") -> 6 bytes",
        "server  recv(256, MSG_PEEK) -> 6 bytes: b\"hello\\n\"",
        "server  send(b\"you came from 127.0.0.1:",
        "client  -- the server sees us at 127.0.0.1:",
        "server  close(listener) -> ok",
        "server  bind(127.0.0.1:0) -> ok, bound to 127.0.0.1:",
        "3000 ms) -> error: connection refused",
        "client  -- the client would stop here with: error: connect_timeout(127.0.0.1:",
        "server  close(bound socket) -> ok, nothing sent",
    ]);
}

#[test]
#[cfg(target_os = "linux")]
fn the_kernel_finishes_the_handshake_before_accept() {
    // The client is ESTABLISHED as soon as connect() returns, and the server's listener holds
    // the finished connection in its queue before the program calls accept().
    lesson(BIN).run().success().lines_in_order(&[
        "client  kernel: no TCP entry (not bound yet)",
        "client  connect(127.0.0.1:",
        "client  kernel: ESTABLISHED 127.0.0.1:",
        ", accept queue 1",
        "server  accept() -> ok",
    ]);
}

#[test]
fn the_server_sees_the_port_the_client_was_given() {
    let run = lesson(BIN).run();
    run.success();
    let picked = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("client  getsockname() -> "))
        .and_then(|rest| rest.split(':').nth(1))
        .unwrap_or_else(|| panic!("no getsockname() line:\n{}", run.stdout));
    let port = picked.split(' ').next().unwrap();
    run.stdout_has(&format!(
        "server  accept() -> ok, a connection from 127.0.0.1:{port}"
    ));
}

#[test]
fn server_and_client_in_two_processes() {
    let server = Server::start(BIN, &[]);
    lesson(BIN)
        .client(server.addr)
        .run()
        .success()
        .lines_in_order(&[
            "client  socket(AF_INET, SOCK_STREAM) -> ok",
            &format!("client  connect_timeout({}, 3000 ms) -> ok", server.addr),
            "client  send(b\"hello\\n\") -> 6 bytes",
            "client  recv(256, MSG_PEEK) -> 30 bytes: b\"you came from 127.0.0.1:",
            "client  -- the server sees us at 127.0.0.1:",
            "client  close(client socket) -> ok",
            "answer: you came from 127.0.0.1:",
        ]);
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  listen(backlog=128) -> ok",
        "server  accept() -> ok, a connection from 127.0.0.1:",
        "server  recv(256, MSG_PEEK) -> 6 bytes: b\"hello\\n\"",
        "server  close(listener) -> ok",
    ]);
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
    lesson(BIN)
        .client(addr)
        .run()
        .clean_failure()
        .stderr_has(&format!(
            "error: connect_timeout({addr}, 3000 ms): connection refused — is the server running? \
             (start it with: cargo run -p lesson-05-connect -- server)"
        ))
        .stdout_has("client  connect_timeout(");
}

#[test]
#[cfg(target_os = "linux")]
fn a_connect_to_a_full_queue_times_out() {
    let mut server = Server::start(BIN, &["--full-queue"]);
    server.wait_for("the accept queue is full");
    lesson(BIN)
        .client(server.addr)
        .args(&["--timeout", "300"])
        .run()
        .clean_failure()
        .stdout_has(&format!(
            "client  connect_timeout({}, 300 ms) -> error: timed out",
            server.addr
        ))
        .stderr_has("timed out — no answer to our SYN within 300 ms");
    // Closing its standard input stops the server.
    server.finish().success().lines_in_order(&[
        "server  listen(backlog=1) -> ok",
        "filler  connect(",
        "filler  connect(",
        "server  kernel: LISTEN 127.0.0.1:",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn a_bad_timeout_is_explained() {
    Command::new(BIN)
        .args(["client", "--timeout", "soon"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--timeout soon: not a valid value",
        ))
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
