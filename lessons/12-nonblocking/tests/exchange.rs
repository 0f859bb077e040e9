#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 12's exchange, checked for real: WouldBlock, clients interleaved on one thread,
//! half lines, vanishing and silent clients, oversized lines, and partial sends.

use std::io::{Read, Write};
use std::thread;

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-12-nonblocking");

#[test]
fn the_demo_shows_would_block_then_serves_two_clients_on_one_thread() {
    lesson(BIN).run().success().lines_in_order(&[
        "server  listen(backlog=128) -> ok",
        "listening on 127.0.0.1:",
        "server  set_nonblocking(true) -> ok",
        "server  accept() -> WouldBlock at once: a blocking accept() would have waited here",
        "carol   connect(",
        "server  accept() -> ok, a connection from 127.0.0.1:",
        "server  recv(4096) -> WouldBlock at once: a blocking recv() would have waited here",
        "server  Poll::new() -> ok",
        "server  register(listener, READABLE) -> ok",
        "alice   connect(",
        "server  poll() -> 1 ready: listener readable",
        "server  accept() -> ok, conn1 from 127.0.0.1:",
        "server  register(conn1, READABLE | WRITABLE) -> ok",
        "server  accept() -> WouldBlock: no more connections waiting",
        "alice   send(b\"hel\") -> 3 bytes",
        "conn1 readable",
        "conn1   recv(4096) -> 3 bytes: b\"hel\"",
        "conn1   recv(4096) -> WouldBlock: nothing more for now",
        "conn1   -- no whole line yet: b\"hel\" waits in this connection's buffer",
        "bob     send(b\"world\\n\") -> 6 bytes",
        "conn2   send(b\"WORLD\\n\") -> 6 bytes",
        "bob     recv(1024) -> 6 bytes: b\"WORLD\\n\"",
        "alice   send(b\"lo\\n\") -> 3 bytes",
        "conn1   recv(4096) -> 3 bytes: b\"lo\\n\"",
        "conn1   send(b\"HELLO\\n\") -> 6 bytes",
        "alice   recv(1024) -> 6 bytes: b\"HELLO\\n\"",
        "conn1   recv(4096) -> 0 bytes: end of stream",
        "conn1   deregister + close(connection) -> ok",
        "conn2   deregister + close(connection) -> ok",
        "server  -- 2 connections served on one thread",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn server_and_client_in_two_processes() {
    let server = Server::start(BIN, &["--clients", "1"]);
    lesson(BIN)
        .client(server.addr)
        .run()
        .success()
        .lines_in_order(&[
            "client  connect(",
            "client  send(b\"hello\\nworld\\n\") -> 12 bytes",
            "answers: HELLO, WORLD",
            "client  close(client socket) -> ok",
        ]);
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  register(listener, READABLE) -> ok",
        "server  accept() -> ok, conn1 from 127.0.0.1:",
        "server  register(conn1, READABLE | WRITABLE) -> ok",
        "conn1   recv(4096) -> 12 bytes: b\"hello\\nworld\\n\"",
        "conn1   send(b\"HELLO\\nWORLD\\n\") -> 12 bytes",
        "conn1   recv(4096) -> 0 bytes: end of stream",
        "server  -- 1 connections served, all on one thread",
    ]);
}

#[test]
fn half_a_line_from_one_client_does_not_hold_up_another() {
    let mut server = Server::start(BIN, &["--clients", "2"]);
    let mut a = Conn::open(server.addr);
    server.wait_for("conn1 from");
    let mut b = Conn::open(server.addr);
    server.wait_for("conn2 from");
    a.send(b"hel");
    server.wait_for("conn1   recv(4096) -> 3 bytes: b\"hel\"");
    // A is in the middle of a line; B sends a whole one and is answered first.
    b.send(b"world\n").expect(b"WORLD\n");
    a.send(b"lo\n").expect(b"HELLO\n");
    a.shutdown_write().expect_eof();
    b.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn lines_that_arrive_together_are_answered_one_by_one() {
    let server = Server::start(BIN, &["--clients", "1"]);
    let mut conn = Conn::open(server.addr);
    // Windows-style line ends too: the \r is dropped.
    conn.send(b"one\ntwo\r\nthr")
        .send(b"ee\n")
        .expect(b"ONE\nTWO\nTHREE\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
}

#[test]
fn a_silent_client_does_not_block_the_others() {
    let mut server = Server::start(BIN, &["--clients", "2"]);
    let mut silent = Conn::open(server.addr);
    server.wait_for("conn1 from");
    Conn::open(server.addr)
        .send(b"ping\n")
        .expect(b"PING\n")
        .shutdown_write()
        .expect_eof();
    silent.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn a_client_that_vanishes_mid_line_ends_only_its_own_connection() {
    let mut server = Server::start(BIN, &["--clients", "2"]);
    Conn::open(server.addr).send(b"half a li");
    // That connection is gone (dropped); the server notes it and goes on.
    server.wait_for("conn1   -- the client left in the middle of a line: b\"half a li\" dropped");
    Conn::open(server.addr)
        .send(b"still here\n")
        .expect(b"STILL HERE\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
}

#[test]
fn an_oversized_line_is_refused() {
    let mut server = Server::start(BIN, &["--clients", "2"]);
    let mut flood = Conn::open(server.addr);
    flood.send(&[b'x'; 2000]);
    flood.expect(b"ERROR line too long\n").expect_eof();
    server.wait_for("conn1   -- a line longer than 1024 bytes");
    // The server is still serving.
    Conn::open(server.addr)
        .send(b"ok\n")
        .expect(b"OK\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
}

#[test]
fn a_client_that_does_not_read_gets_every_byte_and_blocks_nobody() {
    let mut server = Server::start(BIN, &["--clients", "2"]);
    let mut big = Conn::open(server.addr);
    let line = b"the quick brown fox jumps over the lazy dog\n";
    let count = 100_000; // 4.4 MB: more than the kernel's buffers hold
    let mut writer = big.stream().try_clone().unwrap();
    let sender = thread::spawn(move || {
        let mut all = Vec::with_capacity(line.len() * count);
        for _ in 0..count {
            all.extend_from_slice(line);
        }
        // May wait: the server stops reading while our answers pile up unread.
        writer.write_all(&all)
    });
    // The answers fill the send buffer: the server keeps the rest and waits for WRITABLE.
    server.wait_for("WouldBlock: the send buffer is full");
    // Meanwhile another client is served at once.
    Conn::open(server.addr)
        .send(b"me too\n")
        .expect(b"ME TOO\n")
        .shutdown_write()
        .expect_eof();
    // Now read everything: every answer, in order, nothing lost in a partial send.
    let expected = line.to_ascii_uppercase();
    let mut got = vec![0u8; expected.len()];
    for i in 0..count {
        big.stream().read_exact(&mut got).unwrap_or_else(|e| {
            panic!("answer {i} of {count} did not come: {e}");
        });
        assert_eq!(got, expected, "answer {i} of {count}");
    }
    sender.join().unwrap().expect("sending every line");
    big.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-12-nonblocking").check();
}

#[test]
fn the_book_shows_what_the_rude_clients_demo_prints() {
    BookOutput::new(BIN, "lesson-12-nonblocking")
        .variant(
            &["--misbehave", "--line-timeout", "300"],
            "output-misbehave.txt",
        )
        .check();
}

#[test]
fn the_rude_clients_demo_refuses_both_and_serves_bob() {
    lesson(BIN)
        .args(&["--misbehave", "--line-timeout", "300"])
        .run()
        .success()
        .lines_in_order(&[
            "flood   recv(1024) -> 20 bytes: b\"ERROR line too long\\n\"",
            "flood   recv(1024) -> 0 bytes: end of stream",
            "bob     recv(1024) -> 5 bytes: b\"PING\\n\"",
            "slow    recv(1024) -> 20 bytes: b\"ERROR line too slow\\n\"",
            "slow    recv(1024) -> 0 bytes: end of stream",
        ]);
}

#[test]
fn the_std_and_tokio_ways_serve_clients_on_one_thread() {
    lesson(&testkit::example("nonblocking_std_way"))
        .run()
        .success()
        .stdout_has(r#"std: one thread served ["HI FROM ALICE\n", "HI FROM BOB\n"]"#);
    lesson(&testkit::example("nonblocking_tokio_way"))
        .run()
        .success()
        .stdout_has(r#"tokio: bob got "WORLD\n" first, then alice got "HELLO\n""#);
}
