//! Lesson 06's exchange, checked for real: the demo, two processes, raw bytes, and failures.

use assert_cmd::Command;
use predicates::prelude::*;
use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-06-send");

/// The payload the server sends: 0, 1, 2, … 250, 0, 1, …
fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

#[test]
fn the_demo_shows_a_partial_send_and_then_every_byte_arriving() {
    lesson(BIN).run().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "client  setsockopt(SO_RCVBUF, 65536) -> ok",
        "client  connect(127.0.0.1:",
        "server  accept() -> ok",
        "server  setsockopt(SO_SNDBUF, 65536) -> ok",
        "server  -- \"Grüße! 1048576 bytes follow.\\n\" is 29 characters but 31 bytes in UTF-8",
        r#"server  send_all(b"Gr\xc3\xbc\xc3\x9fe! 1048576 bytes follow.\n") -> ok, all 31 bytes, in 1 send() call"#,
        r#"client  recv(1024, MSG_PEEK) -> 31 bytes: b"Gr\xc3\xbc\xc3\x9fe! 1048576 bytes follow.\n""#,
        "client  -- decoded as UTF-8: \"Grüße! 1048576 bytes follow.\\n\"",
        "server  set_nonblocking(true) -> ok",
        "-> fewer than the 1048576 offered: only what fit in the buffers",
        "-> WouldBlock (EAGAIN): the buffers are full, not one byte taken",
        "server  send(the rest), again and again -> every one of the 1048576 bytes taken at last",
        "client  recv(65536), again and again -> 1048576 bytes in all",
        "client  -- all 1048576 payload bytes arrived, every one in its place",
        "server  close(connection) -> ok",
        "client  recv(1024) -> 0 bytes: end of stream",
        "client  close(client socket) -> ok",
        "server  close(listener) -> ok",
    ]);
}

/// A payload that fits in the buffers: one non-blocking send() takes all of it, and nothing is
/// left to refuse (the chapter's "Try it" 1). Fails if a full send is called partial, or if
/// offering the rest of nothing loops (both were mutants no test caught).
#[test]
fn a_small_payload_fits_in_one_non_blocking_send() {
    lesson(BIN)
        .args(&["--size", "100"])
        .run()
        .success()
        .lines_in_order(&[
            "server  set_nonblocking(true) -> ok",
            "-> all 100 bytes",
            "-> nothing left: every byte fit",
            "client  -- all 100 payload bytes arrived, every one in its place",
        ]);
}

/// The kernel view after a send that fit: nothing waits to be sent, the bytes wait to be read.
#[cfg(target_os = "linux")]
#[test]
fn after_a_send_that_fit_only_the_receive_queue_holds_bytes() {
    lesson(BIN)
        .args(&["--size", "100"])
        .run()
        .success()
        .stdout_has(
            "kernel: the server's send queue is empty, the client's receive queue holds bytes",
        );
}

#[test]
fn server_and_client_in_two_processes() {
    let server = Server::start(BIN, &["--size", "3000000"]);
    lesson(BIN)
        .client(server.addr)
        .run()
        .success()
        .lines_in_order(&[
            "client  connect(",
            "client  recv(65536), again and again -> 3000031 bytes, then end of stream",
            "greeting: Grüße! 3000000 bytes follow.",
            "client  -- all 3000000 payload bytes arrived, every one in its place",
            "client  close(client socket) -> ok",
        ]);
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  accept() -> ok",
        "server  setsockopt(SO_SNDTIMEO, 5000 ms) -> ok",
        "server  send_all(b\"Gr\\xc3\\xbc\\xc3\\x9fe! 3000000 bytes follow.\\n\") -> ok, all 31 bytes",
        "-> ok, all 3000000 bytes, in ",
        "server  close(connection) -> ok",
    ]);
}

#[test]
fn a_raw_client_gets_every_byte_of_a_large_payload() {
    // What `nc 127.0.0.1 7006 > file` would get: the greeting, 4 MB, end of stream.
    let size = 4_000_000;
    let server = Server::start(BIN, &["--size", &size.to_string()]);
    let mut conn = Conn::open(server.addr);
    conn.expect("Grüße! 4000000 bytes follow.\n".as_bytes());
    let got = conn.read_to_end();
    assert_eq!(
        got.len(),
        size,
        "the payload should be {size} bytes; {} arrived",
        got.len()
    );
    assert!(got == payload(size), "the payload bytes are not in order");
    server.finish().success();
}

#[test]
fn a_client_that_never_reads_gets_a_send_timeout_not_a_false_ok() {
    // The client connects and reads nothing. The buffers fill up, and send() waits for room.
    // SO_SNDTIMEO ends the wait: the first send() returns with PART of the payload taken, the
    // next one takes nothing and fails with a timeout. A send_all that calls send() only once
    // never sees that failure: it reports "ok" with most of the payload unsent.
    let server = Server::start(BIN, &["--size", "8000000", "--send-timeout-ms", "300"]);
    let conn = Conn::open(server.addr);
    let run = server.finish();
    drop(conn);
    if run.code == Some(0) {
        panic!(
            "\n\nThe server said it sent all 8000000 bytes to a client that never read one.\n\
             One send() takes only what fits in the buffers (here it returned after 300 ms with\n\
             part of the payload); send_all must call send() again with the rest, and report the\n\
             timeout of that second call.\n\n--- what happened ---\n{}\n\n--- hint ---\n{}\n",
            run.transcript(),
            include_str!("../hint.md")
        );
    }
    run.clean_failure()
        .stderr_has("timed out")
        .lines_in_order(&["... (8000000 bytes)) -> error: timed out"]);
}

#[test]
fn a_client_that_leaves_makes_send_fail_cleanly_without_sigpipe() {
    // The client reads the greeting and closes with payload bytes unread: its kernel answers
    // with RST. The server's next send() reports "connection reset" or "broken pipe"; a C
    // program would be killed by SIGPIPE here, a Rust program gets an error.
    let server = Server::start(BIN, &["--size", "8000000"]);
    let mut conn = Conn::open(server.addr);
    conn.expect("Grüße! 8000000 bytes follow.\n".as_bytes());
    drop(conn);
    let run = server.finish();
    assert!(
        run.code.is_some(),
        "the server was killed by a signal (SIGPIPE?):\n{}",
        run.transcript()
    );
    run.clean_failure()
        .stderr_has("the peer went away in the middle of the exchange");
    assert!(
        run.stdout.contains("-> error: connection reset by peer")
            || run.stdout.contains("-> error: broken pipe"),
        "send_all should fail with a reset or a broken pipe:\n{}",
        run.transcript()
    );
}

#[test]
fn a_bad_size_is_a_clear_error() {
    Command::new(BIN)
        .args(["--size", "lots"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--size lots: not a valid value"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-06-send").check();
}

#[test]
fn the_book_shows_a_send_to_a_closed_peer() {
    BookOutput::new(BIN, "lesson-06-send")
        .variant(&["--peer-closes"], "output-peer-closes.txt")
        .exit_code(1)
        .check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    lesson(&testkit::example("send_std_way")).run().success().stdout_has(
        "std: the first write took fewer bytes than offered: true; the reader got all 8388616 bytes: true",
    );
    lesson(&testkit::example("send_tokio_way")).run().success().stdout_has(
        "tokio: the first write took fewer bytes than offered: true; the reader got all 8388616 bytes: true",
    );
}
