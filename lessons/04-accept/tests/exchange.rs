//! Lesson 04's exchange, checked for real: the demo, two processes, raw bytes, and clients
//! that misbehave (the server must report them and serve the next one).
//!
//! These check the lesson as the book shows it, narration and all, so they run on the
//! reference build only; the exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::TcpListener;

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-04-accept");

/// What the server answers the client whose socket is `conn`: its number and its address.
fn answer_for(number: usize, conn: &Conn) -> Vec<u8> {
    let me = conn.stream().local_addr().unwrap();
    format!("you are client {number} at {me}\n").into_bytes()
}

#[test]
fn the_demo_serves_three_clients_in_order() {
    lesson(BIN).run().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "alice   connect(127.0.0.1:",
        "alice   send(b\"hello from alice\\n\") -> 17 bytes",
        "bob     send(b\"hello from bob\\n\") -> 15 bytes",
        "carol   send(b\"hello from carol\\n\") -> 17 bytes",
        "server  kernel: LISTEN 127.0.0.1:",
        "server  accept() -> ok, client 1 at 127.0.0.1:",
        "server  recv(256) -> 17 bytes: b\"hello from alice\\n\"",
        "server  send(b\"you are client 1 at 127.0.0.1:",
        "server  close(connection 1) -> ok",
        "server  accept() -> ok, client 2 at 127.0.0.1:",
        "server  recv(256) -> 15 bytes: b\"hello from bob\\n\"",
        "server  close(connection 2) -> ok",
        "server  accept() -> ok, client 3 at 127.0.0.1:",
        "server  recv(256) -> 17 bytes: b\"hello from carol\\n\"",
        "server  close(connection 3) -> ok",
        "server  -- accepted 3 clients, from 127.0.0.1:",
        "server  close(listener) -> ok",
        "alice   -- the server says: you are client 1 at 127.0.0.1:",
        "bob     -- the server says: you are client 2 at 127.0.0.1:",
        "carol   -- the server says: you are client 3 at 127.0.0.1:",
    ]);
}

#[test]
fn each_client_is_told_its_own_address() {
    // The demo's clients print the port the kernel gave them; the answer must name that port.
    let run = lesson(BIN).run();
    run.success();
    for name in ["alice", "bob", "carol"] {
        let from = run
            .stdout
            .lines()
            .find(|l| l.starts_with(name) && l.contains("connect("))
            .and_then(|l| l.split("from ").nth(1))
            .unwrap_or_else(|| panic!("{name} never connected:\n{}", run.stdout));
        // The answer this client printed must name its own address, not just any.
        run.stdout_has(&format!("{name:<6}  -- the server says: you are client "));
        let said = run
            .stdout
            .lines()
            .find(|l| l.starts_with(name) && l.contains("the server says:"))
            .unwrap_or_default();
        assert!(
            said.ends_with(&format!(" at {from}")),
            "{name} connected from {from} but was told: {said}"
        );
    }
}

#[test]
fn server_and_clients_in_separate_processes() {
    let server = Server::start(BIN, &["--clients", "2"]);
    for (number, name) in [(1, "ann"), (2, "ben")] {
        let run = lesson(BIN)
            .client(server.addr)
            .args(&["--name", name])
            .run();
        run.success().lines_in_order(&[
            "client  connect(",
            &format!("client  send(b\"hello from {name}\\n\")"),
            &format!("client  recv(256) -> 36 bytes: b\"you are client {number} at 127.0.0.1:"),
            &format!("answer: you are client {number} at 127.0.0.1:"),
        ]);
    }
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  listen(backlog=128) -> ok",
        "server  accept() -> ok, client 1 at 127.0.0.1:",
        "server  recv(256) -> 15 bytes: b\"hello from ann\\n\"",
        "server  close(connection 1) -> ok",
        "server  accept() -> ok, client 2 at 127.0.0.1:",
        "server  recv(256) -> 15 bytes: b\"hello from ben\\n\"",
        "server  -- accepted 2 clients, from 127.0.0.1:",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn raw_clients_are_served_in_the_order_they_connected() {
    let server = Server::start(BIN, &["--clients", "2"]);
    // Both connect before either is served: both handshakes complete, both wait in the queue.
    let mut first = Conn::open(server.addr);
    let mut second = Conn::open(server.addr);
    // The second speaks first, but the server accepts (and so serves) the first one first.
    second.send(b"hello from second\n");
    first.send(b"hel").send(b"lo from first\n");
    let expected = answer_for(1, &first);
    first.expect(&expected).expect_eof();
    let expected = answer_for(2, &second);
    second.expect(&expected).expect_eof();
    server.finish().success();
}

#[test]
fn a_silent_client_is_dropped_and_the_next_one_served() {
    let server = Server::start(BIN, &["--clients", "2", "--read-timeout", "300"]);
    let mut silent = Conn::open(server.addr);
    let mut polite = Conn::open(server.addr);
    polite.send(b"hello from polite\n");
    // The server gives up on the silent client and closes its connection...
    silent.expect_eof();
    // ...and then serves the next one: one bad client must not stop the server.
    let expected = answer_for(2, &polite);
    polite.expect(&expected).expect_eof();
    server.finish().success().lines_in_order(&[
        "server  accept() -> ok, client 1 at 127.0.0.1:",
        "server  recv(256) -> error: timed out",
        "server  close(connection 1) -> ok",
        "server  -- client 1 failed (recv(256): timed out — no whole line within 300 ms)",
        "server  accept() -> ok, client 2 at 127.0.0.1:",
        "server  send(b\"you are client 2 at 127.0.0.1:",
        "server  -- accepted 2 clients",
    ]);
}

#[test]
fn clients_that_leave_mid_line_or_never_end_their_line_are_dropped() {
    let server = Server::start(BIN, &["--clients", "3", "--read-timeout", "5000"]);
    let mut leaver = Conn::open(server.addr);
    let mut rambler = Conn::open(server.addr);
    let mut polite = Conn::open(server.addr);
    leaver.send(b"hello fr");
    drop(leaver);
    // 300 bytes and no newline: more than the server will buffer for one line.
    rambler.send(&[b'x'; 300]);
    polite.send(b"hello from polite\n");
    let expected = answer_for(3, &polite);
    polite.expect(&expected).expect_eof();
    server.finish().success().lines_in_order(&[
        "server  recv(256) -> 8 bytes: b\"hello fr\"",
        "server  recv(256) -> 0 bytes: end of stream",
        "server  -- client 1 failed (recv(256): the peer closed before sending a whole line)",
        "server  -- client 2 failed (recv(256): no newline in the first 256 bytes)",
        "server  accept() -> ok, client 3 at 127.0.0.1:",
        "server  send(b\"you are client 3 at 127.0.0.1:",
    ]);
    drop(rambler);
}

#[test]
fn the_bad_clients_demo_goes_on_after_each_failure() {
    lesson(BIN)
        .args(&["--bad-clients"])
        .run()
        .success()
        .lines_in_order(&[
            "carol   send(b\"hello fr\") -> 8 bytes",
            "server  kernel: LISTEN 127.0.0.1:",
            "server  recv(256) -> error: timed out",
            "server  -- client 2 failed",
            "server  accept() -> ok, client 3 at 127.0.0.1:",
            "server  -- client 3 failed",
            "alice   -- the server says: you are client 1 at 127.0.0.1:",
            "bob     recv(256) -> 0 bytes: end of stream",
            "bob     -- no answer: the server gave up on us",
        ]);
}

#[test]
fn a_client_without_a_server_gets_a_clear_refusal() {
    testkit::client_without_server(BIN)
        .clean_failure()
        .stdout_has("-> error: connection refused")
        .stderr_has("connection refused — is the server running? (start it with: cargo run -p lesson-04-accept -- server)");
}

#[test]
fn a_client_whose_server_never_answers_gives_up() {
    // A listener that never accepts: the handshake completes, but nobody ever answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    lesson(BIN)
        .client(addr)
        .args(&["--read-timeout", "300"])
        .run()
        .clean_failure()
        .stderr_has("recv(256): timed out — no whole line within 300 ms");
}

#[test]
fn bad_flag_values_are_explained() {
    lesson(BIN)
        .args(&["server", "--addr", "127.0.0.1:0", "--clients", "many"])
        .run()
        .clean_failure()
        .stderr_has("--clients many: not a valid value");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-04-accept").check();
}

#[test]
fn the_book_shows_what_the_bad_clients_demo_prints() {
    BookOutput::new(BIN, "lesson-04-accept")
        .variant(&["--bad-clients"], "output-bad-clients.txt")
        .check();
}

#[test]
fn the_std_and_tokio_ways_serve_three_clients() {
    lesson(&testkit::example("accept_std_way"))
        .run()
        .success()
        .lines_in_order(&[
            "said \"hello from alice\\n\"",
            "std: #3 127.0.0.1:",
            "std: client at 127.0.0.1:",
        ]);
    lesson(&testkit::example("accept_tokio_way"))
        .run()
        .success()
        .lines_in_order(&[
            "said \"hello from alice\\n\"",
            "tokio: #3 127.0.0.1:",
            "tokio: client at 127.0.0.1:",
        ]);
}

#[test]
fn step_mode_pauses_before_each_call() {
    let enters = "\n".repeat(80);
    lesson(BIN)
        .args(&["--step"])
        .stdin(enters.as_bytes())
        .run()
        .success()
        .lines_in_order(&[
            "[step] next: server accept() — take the next connection from the accept queue.",
            "server  accept() -> ok, client 1 at 127.0.0.1:",
            "[step] next: server accept() — take the next connection from the accept queue.",
            "server  accept() -> ok, client 2 at 127.0.0.1:",
        ])
        .stdout_lacks("step mode off");
}

#[test]
fn step_mode_never_hangs_when_stdin_closes() {
    lesson(BIN)
        .args(&["--step"])
        .stdin(b"\n\n")
        .run()
        .success()
        .lines_in_order(&[
            "[step] standard input closed: step mode off, running to the end.",
            "server  close(listener) -> ok",
        ]);
}

#[test]
fn a_trickling_client_is_cut_off_by_the_deadline_for_the_whole_line() {
    // Every byte of dave's comes well within 1000 ms of the one before: only a deadline for
    // the whole line stops him (a recv() timeout alone would let him go on for ever).
    lesson(BIN)
        .args(&["--trickle"])
        .run()
        .success()
        .lines_in_order(&[
            "server  recv(256) -> 15 bytes: b\"hello from dave\"",
            "server  recv(256) -> 1 bytes: b\"x\"",
            "server  -- client 1 failed (recv(256): timed out — no whole line within 1500 ms)",
            "server  send(b\"you are client 2 at 127.0.0.1:",
            "alice   -- the server says: you are client 2 at 127.0.0.1:",
        ]);
}

#[test]
fn the_book_shows_what_the_trickle_demo_prints() {
    BookOutput::new(BIN, "lesson-04-accept")
        .variant(&["--trickle"], "output-trickle.txt")
        .check();
}

/// The hostile-client battery (testkit::hostile): after each hostile client, a normal one
/// must be served, within the server's deadline for the hostile one + a margin, since this
/// server serves one client at a time.
fn hostile_target() -> testkit::hostile::Target {
    testkit::hostile::Target::new(
        |extra| {
            let mut args = vec!["--clients", "1000000", "--read-timeout", "1500"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
        b"hello from hostile\n",
        |addr| {
            let mut conn = Conn::open(addr);
            conn.send(b"hello from normal\n");
            let me = conn.stream().local_addr().unwrap();
            let answer = conn.read_line();
            let (number, at) = answer
                .strip_prefix("you are client ")
                .and_then(|rest| rest.split_once(" at "))
                .unwrap_or_else(|| panic!("not an answer: {answer:?}"));
            assert!(number.parse::<usize>().is_ok(), "not a number: {answer:?}");
            assert_eq!(at, me.to_string(), "the answer names another address");
            conn.expect_eof();
        },
    )
    .sequential(std::time::Duration::from_millis(1500))
}

testkit::hostile_battery!(hostile_target);
