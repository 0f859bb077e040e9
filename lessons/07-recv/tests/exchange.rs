//! Lesson 07's exchange, checked for real: the demo, two processes, raw bytes split and run
//! together, and every way a message can go wrong.

use assert_cmd::Command;
use predicates::prelude::*;
use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-07-recv");

/// A length-prefixed message: 4 bytes of length, big-endian, then the bytes.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = (message.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    framed
}

#[test]
fn the_demo_reassembles_split_messages_and_separates_joined_ones() {
    lesson(BIN).run().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        r#"client  send_all(b"hello\n") -> 6 bytes"#,
        r#"server  recv(1024) -> 6 bytes: b"hello\n""#,
        r#"server  -- message #1: "hello""#,
        r#"client  -- answer: "got #1: hello""#,
        r#"server  recv(1024) -> 3 bytes: b"Gr\xc3""#,
        "server  -- no whole line yet: 3 bytes wait for their newline",
        r#"server  recv(1024) -> 8 bytes: b"\xbc\xc3\x9fe, in""#,
        "server  -- no whole line yet: 11 bytes wait for their newline",
        r#"server  recv(1024) -> 14 bytes: b" three pieces\n""#,
        r#"server  -- message #2: "Grüße, in three pieces""#,
        r#"server  recv(1024) -> 13 bytes: b"two\nmessages\n""#,
        r#"server  -- message #3: "two""#,
        r#"server  -- message #4: "messages""#,
        r#"client  -- answer: "got #4: messages""#,
        "server  recv(1024) -> 0 bytes: end of stream",
        "server  -- end of stream after 4 messages",
        "server  recv(64) with socket2's own recv -> 0 bytes: end of stream again",
        r#"server  recv(4) -> 4 bytes: b"\x00\x00\x00\x05""#,
        r#"server  recv(5) -> 5 bytes: b"hello""#,
        r#"server  recv(7) -> 7 bytes: b"Gr\xc3\xbc\xc3\x9fe""#,
        "server  recv(4) -> 0 bytes: end of stream",
        "server  -- end of stream after 2 messages",
        r#"client  -- answer: b"got #2: Gr\xc3\xbc\xc3\x9fe""#,
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn server_and_client_in_two_processes_with_lines() {
    let server = Server::start(BIN, &[]);
    lesson(BIN)
        .client(server.addr)
        .run()
        .success()
        .lines_in_order(&[
            r#"client  send_all(b"Gr\xc3") -> 3 bytes"#,
            "client  shutdown(Write) -> ok",
            r#"client  -- answer: "got #1: Grüße, in three pieces""#,
            r#"client  -- answer: "got #2: two""#,
            r#"client  -- answer: "got #3: messages""#,
        ]);
    server.finish().success().lines_in_order(&[
        r#"server  -- message #1: "Grüße, in three pieces""#,
        "server  -- end of stream after 3 messages",
    ]);
}

#[test]
fn server_and_client_in_two_processes_with_length_prefixes() {
    let server = Server::start(BIN, &["--framing", "length"]);
    lesson(BIN)
        .args(&["--framing", "length"])
        .client(server.addr)
        .run()
        .success()
        .lines_in_order(&[
            r#"client  -- answer: b"got #1: Gr\xc3\xbc\xc3\x9fe, in three pieces""#,
            r#"client  -- answer: b"got #2: two""#,
            r#"client  -- answer: b"got #3: messages""#,
        ]);
    server
        .finish()
        .success()
        .stdout_has("server  -- end of stream after 3 messages");
}

#[test]
fn a_length_prefixed_message_sent_in_pieces_is_reassembled() {
    // Each piece is sent only after the server's recv() has returned the one before, so the
    // pieces arrive separately for certain. One recv() is not enough to read this message.
    let mut server = Server::start(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0, 0, 0, 5]);
    server.wait_for("server  recv(");
    conn.send(b"he");
    server.wait_for("server  recv(");
    // A wrong server may be gone by now; what it answered is what matters.
    let _ = conn.try_send(b"llo");
    conn.expect(&frame(b"got #1: hello"));
    // Two messages in one send: both must be answered.
    conn.send(&[frame(b"two"), frame(b"in one")].concat());
    conn.expect(&frame(b"got #2: two"))
        .expect(&frame(b"got #3: in one"));
    conn.shutdown_write().expect_eof();
    server
        .finish()
        .success()
        .stdout_has("server  -- end of stream after 3 messages");
}

#[test]
fn a_header_split_in_the_middle_is_reassembled() {
    let mut server = Server::start(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0, 0]);
    server.wait_for("server  recv(");
    let _ = conn.try_send(&[0, 2, b'o', b'k']);
    conn.expect(&frame(b"got #1: ok"));
    conn.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn a_line_sent_in_pieces_like_nc_would_is_reassembled() {
    let mut server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"hel");
    server.wait_for("server  -- no whole line yet: 3 bytes wait for their newline");
    conn.send(b"lo\nsecond\nthi");
    assert_eq!(conn.read_line(), "got #1: hello");
    assert_eq!(conn.read_line(), "got #2: second");
    conn.send(b"rd\n");
    assert_eq!(conn.read_line(), "got #3: third");
    conn.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn a_peer_that_closes_mid_message_is_reported_with_the_count() {
    let mut server = Server::start(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0, 0, 0, 5]);
    server.wait_for("server  recv(");
    let _ = conn.try_send(b"hel");
    conn.shutdown_write();
    let run = server.finish();
    run.clean_failure()
        .stderr_has("the peer closed after 3 of 5 bytes")
        .stderr_has("the peer went away in the middle of a message");
    drop(conn);

    let server = Server::start(BIN, &[]);
    Conn::open(server.addr).send(b"no newline").shutdown_write();
    server
        .finish()
        .clean_failure()
        .stderr_has("the peer closed after 10 bytes of an unfinished line");
}

#[test]
fn an_oversized_length_prefix_is_rejected_before_allocating() {
    // 0xffffffff: a peer announcing a 4 GB message. The server must refuse, not allocate.
    let server = Server::start(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0xff, 0xff, 0xff, 0xff]);
    server
        .finish()
        .clean_failure()
        .stderr_has("message of 4294967295 bytes announced; the limit is 1024");
}

#[test]
fn a_line_over_the_limit_is_rejected() {
    let server = Server::start(BIN, &["--max", "100"]);
    let mut conn = Conn::open(server.addr);
    let _ = conn.try_send(&[b'x'; 2000]);
    server
        .finish()
        .clean_failure()
        .stderr_has("a line longer than 100 bytes");
}

#[test]
fn bytes_that_are_not_utf8_are_a_clear_error() {
    // "café" in Latin-1: the é is the single byte 0xE9, which is not UTF-8.
    let server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"caf\xe9\n");
    server
        .finish()
        .clean_failure()
        .stderr_has("error: String::from_utf8: message #1 is not UTF-8")
        .stdout_has("server  -- error: message #1 is not UTF-8");
}

#[test]
fn a_silent_client_times_out() {
    let server = Server::start(BIN, &["--timeout-ms", "300"]);
    let conn = Conn::open(server.addr);
    let run = server.finish();
    drop(conn);
    run.clean_failure()
        .stderr_has("error: recv: timed out")
        .lines_in_order(&["server  recv(1024) -> error: timed out"]);
}

#[test]
fn an_unknown_framing_is_a_clear_error() {
    Command::new(BIN)
        .args(["--framing", "xml"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--framing xml: write line or length",
        ));
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-07-recv").check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    lesson(&testkit::example("recv_std_way"))
        .run()
        .success()
        .stdout_has(r#"std: lines ["hello", "Grüße", "two"], message b"hello""#);
    lesson(&testkit::example("recv_tokio_way"))
        .run()
        .success()
        .stdout_has(r#"tokio: lines ["hello", "Grüße", "two"], message b"hello""#);
}
