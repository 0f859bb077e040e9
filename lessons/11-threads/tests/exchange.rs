#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 11's exchange, checked for real: many clients at once, a silent client that blocks
//! nobody, the shared tally, the pool, and the failures.

use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-11-threads");

/// How long a test waits for an answer that a correct server gives at once. Short, so that
/// a server that serves one client at a time fails here in seconds, not after many timeouts.
const PROMPT: Duration = Duration::from_secs(3);

/// Fail with a message that says what went wrong.
#[track_caller]
fn fail(what: &str) -> ! {
    panic!("\n\n{what}\n");
}

/// Read one line within `PROMPT`, or fail saying `why`.
#[track_caller]
fn answer_within(conn: &Conn, why: &str) -> String {
    conn.stream().set_read_timeout(Some(PROMPT)).unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\n") {
        match testkit::uninterrupted(|| conn.stream().read(&mut byte)) {
            Ok(1) => got.push(byte[0]),
            Ok(_) => fail(&format!("{why}: the server closed instead of answering.")),
            Err(e) => fail(&format!(
                "{why}\nNo answer within {} s ({e}); received so far: {:?}",
                PROMPT.as_secs(),
                String::from_utf8_lossy(&got)
            )),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn the_demo_serves_carol_while_alice_and_bob_are_silent() {
    lesson(BIN).run().success().lines_in_order(&[
        "server  listen(backlog=128) -> ok",
        "listening on 127.0.0.1:",
        "server  -- one thread per connection",
        "alice   connect(",
        "bob     connect(",
        "carol   connect(",
        "server  kernel: LISTEN",
        "server  thread::spawn(conn1) -> ok, conn1 has a thread of its own",
        "server  thread::spawn(conn3) -> ok, conn3 has a thread of its own",
        "carol   send(b\"hi from carol\\n\") -> 14 bytes",
        "conn3   recv(1024) -> 14 bytes: b\"hi from carol\\n\"",
        "conn3   send(b\"HI FROM CAROL\\n\") -> 14 bytes",
        "server  join(conn3) -> ok, conn3's thread has ended",
        "carol   recv(1024) -> 14 bytes: b\"HI FROM CAROL\\n\"",
        "server  -- answered while alice and bob (connected earlier) said nothing",
        "conn2   send(b\"HI FROM BOB\\n\") -> 12 bytes",
        "conn1   send(b\"HI FROM ALICE\\n\") -> 14 bytes",
        "alice   recv(1024) -> 14 bytes: b\"HI FROM ALICE\\n\"",
        "server  -- the tally all threads shared: 3 lines, 40 bytes",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn with_a_pool_of_two_carol_waits_for_a_free_worker() {
    lesson(BIN)
        .args(&["--pool", "2"])
        .run()
        .success()
        .lines_in_order(&[
        "server  thread::spawn() x 2 -> ok, 2 workers wait for connections",
        "server  -- conn3 is in the pool's queue",
        "carol   send(b\"hi from carol\\n\") -> 14 bytes",
        "carol   recv(1024) -> nothing: every worker is busy, the connection waits in the queue",
        "bob     send(b\"hi from bob\\n\") -> 12 bytes",
        "conn2   send(b\"HI FROM BOB\\n\") -> 12 bytes",
        "conn3   send(b\"HI FROM CAROL\\n\") -> 14 bytes",
        "server  -- conn2 is done: its worker is free again",
        "carol   recv(1024) -> 14 bytes: b\"HI FROM CAROL\\n\"",
        "conn1   send(b\"HI FROM ALICE\\n\") -> 14 bytes",
        "server  -- the queue is closed and every worker has ended",
        "server  -- the tally all threads shared: 3 lines, 40 bytes",
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
            "client  send(b\"hello from client 1\\n\") -> 20 bytes",
            "client  shutdown(SHUT_WR) -> ok",
            "client  recv(1024) -> 20 bytes: b\"HELLO FROM CLIENT 1\\n\"",
            "client  recv(1024) -> 0 bytes: end of stream",
            "answer: HELLO FROM CLIENT 1",
            "client  -- connections: 1, correct answers: 1",
        ]);
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  accept() -> ok, a client at 127.0.0.1:",
        // (The acceptor's "thread::spawn(conn1) -> ok" may come before or after the new
        // thread's first lines: they run at the same time.)
        "conn1   recv(1024) -> 20 bytes: b\"hello from client 1\\n\"",
        "conn1   send(b\"HELLO FROM CLIENT 1\\n\") -> 20 bytes",
        "conn1   close(connection) -> ok",
        "server  -- connections served: 1; the tally: 1 lines, 20 bytes",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn a_silent_client_does_not_block_the_others() {
    let server = Server::start(BIN, &["--clients", "2"]);
    // alice connects first and says nothing.
    let mut alice = Conn::open(server.addr);
    // bob connects after her and must be answered all the same.
    let mut bob = Conn::open(server.addr);
    bob.send(b"is anybody there?\n");
    let answer = answer_within(
        &bob,
        "bob connected after alice, who is silent, and got no answer. Does the server serve \
         one connection at a time, its accept loop waiting for alice to finish?",
    );
    assert_eq!(answer, "IS ANYBODY THERE?\n");
    bob.shutdown_write().expect_eof();
    // Now alice speaks, and is answered too.
    alice
        .send(b"me\n")
        .expect(b"ME\n")
        .shutdown_write()
        .expect_eof();
    server
        .finish()
        .success()
        .stdout_has("server  -- connections served: 2; the tally: 2 lines, 21 bytes");
}

/// The chapter's claim about the lock's scope, checked: a connection's thread must not hold
/// the tally's lock while it waits on its socket. alice sends line after line and never
/// reads her answers, so her thread ends up blocked in send() (her buffers are full); if it
/// held the lock there (the guard of `let mut tally = tally.lock()` living to the end of the
/// loop's body, or the whole loop), bob's thread would wait in lock() and bob would get no
/// answer. Proved by breaking solution.rs so (both ways): this test fails.
#[test]
fn a_thread_blocked_on_its_socket_holds_no_lock() {
    let server = Server::start(BIN, &["--clients", "2", "--timeout", "30"]);
    let alice = Conn::open_small(server.addr, 4096);
    assert!(
        fill_until_blocked(&alice),
        "the server reset alice within 30 s"
    );
    let mut bob = Conn::open(server.addr);
    bob.send(b"bob here\n");
    let answer = answer_within(
        &bob,
        "alice's thread is blocked in send() (she never reads), and bob got no answer: does \
         her thread hold the tally's lock while it sends? Count in one statement, \
         `tally.lock().unwrap().count(&line);`, so that the lock is let go at the `;`.",
    );
    assert_eq!(answer, "BOB HERE\n");
    bob.shutdown_write().expect_eof();
    // alice goes away without reading: her thread's send fails, and the server finishes.
    drop(alice);
    server.finish().success();
}

/// Send lines and never read the answers, until our own send cannot go on for 0.5 s: that
/// happens only once the server's thread has stopped reading us, blocked in its send().
/// Returns false if the server closed the connection (reset) first: it gave up on us.
fn fill_until_blocked(conn: &Conn) -> bool {
    let line = [b"x".repeat(1000), b"\n".to_vec()].concat();
    conn.stream()
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut sent = 0usize;
    loop {
        match testkit::uninterrupted(|| conn.stream().write(&line)) {
            Ok(n) => sent += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return true
            }
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                return false
            }
            Err(e) => panic!("the never-reading client's send failed: {e}"),
        }
        assert!(sent < 1 << 30, "the server never stopped reading");
    }
}

/// SO_SNDTIMEO: a client that never reads its answers is dropped once its buffers are full
/// and a send has made no progress for --timeout; its thread ends (the server can finish).
#[test]
fn a_client_that_never_reads_is_dropped_after_the_send_timeout() {
    let mut server = Server::start(BIN, &["--clients", "1", "--timeout", "1"]);
    // Small buffers: the server's send() blocks after a few kilobytes, not megabytes.
    let hog = Conn::open_small(server.addr, 4096);
    // Blocked, or already reset by the server (on a busy machine its 1 s may pass first).
    fill_until_blocked(&hog);
    server.wait_for("timed out: the peer does not take our bytes");
    drop(hog);
    server
        .finish()
        .success()
        .stdout_has("server  -- conn1 ended with an error: send(");
}

#[test]
fn twenty_clients_at_once_each_get_their_own_answer() {
    let server = Server::start(BIN, &["--clients", "20"]);
    let addr = server.addr;
    let (answered, answers) = mpsc::channel();
    let mut clients = Vec::new();
    for k in 0..20 {
        let answered = answered.clone();
        let (close_now, wait) = mpsc::channel::<()>();
        let client = thread::spawn(move || {
            let mut conn = Conn::open(addr);
            conn.send(format!("line {k}\n").as_bytes());
            let answer = answer_within(
                &conn,
                &format!("client {k} of 20 (all connected at once) got no answer"),
            );
            answered.send((k, answer)).unwrap();
            // Keep the connection open until every client has its answer: the server must
            // be serving all twenty at the same time.
            let _ = wait.recv_timeout(testkit::timeout() * 3);
            conn.shutdown_write().expect_eof();
        });
        clients.push((client, close_now));
    }
    // Only the clients hold senders now: if they all fail, the wait ends at once.
    drop(answered);
    for _ in 0..20 {
        match answers.recv_timeout(PROMPT + Duration::from_secs(2)) {
            Ok((k, answer)) => assert_eq!(answer, format!("LINE {k}\n"), "client {k}"),
            Err(_) => fail("not every client got an answer (see the panics above)"),
        }
    }
    for (client, close_now) in clients {
        let _ = close_now.send(());
        client.join().expect("a client thread failed");
    }
    // Every client kept its connection until all twenty had their answers: twenty threads
    // served at the same time. (The server's own count of threads is narration, pinned by the
    // book-output test.)
    server.finish().success();
}

#[test]
fn fifty_clients_from_the_client_program_and_the_tally_is_exact() {
    let server = Server::start(BIN, &["--clients", "50"]);
    lesson(BIN)
        .client(server.addr)
        .args(&["--clients", "50"])
        .run()
        .success()
        .stdout_has("client  -- connections: 50, correct answers: 50");
    // 9 lines of 20 bytes ("hello from client 1\n") and 41 of 21: 1041 bytes.
    server
        .finish()
        .success()
        .stdout_has("server  -- connections served: 50; the tally: 50 lines, 1041 bytes");
}

#[test]
fn a_pool_of_four_serves_fifty_clients() {
    let server = Server::start(BIN, &["--pool", "4", "--clients", "50"]);
    lesson(BIN)
        .client(server.addr)
        .args(&["--clients", "50"])
        .run()
        .success()
        .stdout_has("client  -- connections: 50, correct answers: 50");
    server.finish().success().lines_in_order(&[
        "server  thread::spawn() x 4 -> ok, 4 workers wait for connections",
        "server  -- connections served: 50; the tally: 50 lines, 1041 bytes",
        "server  -- never more than 4 workers",
    ]);
}

#[test]
fn when_every_worker_is_busy_a_connection_waits() {
    let server = Server::start(BIN, &["--pool", "1", "--clients", "2"]);
    let mut alice = Conn::open(server.addr);
    let mut bob = Conn::open(server.addr);
    bob.send(b"bob here\n").shutdown_write();
    // alice holds the only worker: bob's line sits unread. (A wait for nothing to happen.)
    bob.stream()
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 64];
    match testkit::uninterrupted(|| bob.stream().read(&mut buf)) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("with one worker busy with alice, bob must wait; got {other:?}"),
    }
    bob.stream()
        .set_read_timeout(Some(testkit::timeout()))
        .unwrap();
    // alice is done: the worker takes bob's connection, and his line is answered.
    alice.send(b"alice here\n").expect(b"ALICE HERE\n");
    alice.shutdown_write().expect_eof();
    bob.expect(b"BOB HERE\n").expect_eof();
    server.finish().success();
}

#[test]
fn a_raw_client_may_send_lines_in_pieces_and_together() {
    let server = Server::start(BIN, &["--clients", "1"]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"he");
    conn.send(b"llo\nsecond\nthi");
    conn.send(b"rd\n");
    conn.expect(b"HELLO\nSECOND\nTHIRD\n");
    conn.shutdown_write().expect_eof();
    server
        .finish()
        .success()
        .stdout_has("the tally: 3 lines, 19 bytes");
}

#[test]
fn a_silent_client_is_dropped_after_the_timeout_and_the_server_goes_on() {
    let mut server = Server::start(BIN, &["--timeout", "1", "--clients", "2"]);
    let mut silent = Conn::open(server.addr);
    server.wait_for("conn1   recv(1024) -> error: timed out");
    silent.expect_eof();
    Conn::open(server.addr)
        .send(b"next\n")
        .expect(b"NEXT\n")
        .shutdown_write()
        .expect_eof();
    // The server reports the failed connection when it joins its thread.
    server
        .finish()
        .success()
        .stdout_has("server  -- conn1 ended with an error: recv(1024): timed out");
}

#[test]
fn an_oversized_line_ends_that_connection_only() {
    let mut server = Server::start(BIN, &["--clients", "2"]);
    let mut flood = Conn::open(server.addr);
    let _ = flood.try_send(&[b'x'; 2000]);
    server.wait_for("conn1   recv(1024) -> error: a line longer than 1024 bytes");
    flood.read_to_end();
    Conn::open(server.addr)
        .send(b"ok\n")
        .expect(b"OK\n")
        .shutdown_write()
        .expect_eof();
    server
        .finish()
        .success()
        .stdout_has("server  -- conn1 ended with an error: recv(1024): a line longer than 1024");
}

#[test]
fn the_demo_refuses_a_pool_of_one() {
    lesson(BIN)
        .args(&["--pool", "1"])
        .run()
        .clean_failure()
        .stderr_has("the demo needs --pool 2 or more");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-11-threads").check();
    BookOutput::new(BIN, "lesson-11-threads")
        .variant(&["--pool", "2"], "output-pool.txt")
        .check();
    // "Clients that misbehave": a trickled line, cut at its deadline while carol is served.
    BookOutput::new(BIN, "lesson-11-threads")
        .variant(&["--trickle"], "output-trickle.txt")
        .check();
}

#[test]
fn the_std_and_tokio_ways_serve_three_clients() {
    lesson(&testkit::example("threads_std_way"))
        .run()
        .success()
        .stdout_has("std: 3 connections, 3 lines");
    lesson(&testkit::example("threads_tokio_way"))
        .run()
        .success()
        .stdout_has("tokio: 3 connections, 3 lines");
}

/// The hostile-client battery (testkit::hostile): a thread per connection, so the normal
/// client is served WHILE each hostile client is still connected. `--timeout 3`: every line
/// must arrive whole, and every send make progress, within 3 s.
fn hostile_target() -> testkit::hostile::Target {
    testkit::hostile::Target::new(
        |extra| {
            let mut args = vec!["--timeout", "3"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
        b"hello\n",
        |addr| {
            Conn::open(addr)
                .send(b"hello\n")
                .expect(b"HELLO\n")
                .shutdown_write()
                .expect_eof();
        },
    )
    .concurrent(Duration::from_secs(3))
}

testkit::hostile_battery!(hostile_target);

/// 50 clients connect and say nothing; a normal client is served while they are all still
/// connected (a thread each: nobody waits for the crowd).
#[test]
fn hostile_idle_crowd() {
    testkit::hostile::idle_crowd(&hostile_target());
}
