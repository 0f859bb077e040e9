//! Lesson 04's exchange, checked for real: the demo, two processes, raw bytes, and clients
//! that misbehave (the server must drop them and serve the next one). Each check looks at the
//! bytes that went over the connections, the exit codes and the trace's events (`--trace`),
//! never at the narration's wording: that is pinned once, by the book-output tests below.
//! The contract every lesson shares (help, bad flags, a refused client, step mode, the
//! examples) is checked once for all, by the root's tests/contract.rs.
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::{SocketAddr, TcpListener};

use testkit::{lesson, BookOutput, Conn, Server, Trace};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-04-accept");

/// What the server answers client `number` connected from `from`.
fn answer(number: usize, from: SocketAddr) -> Vec<u8> {
    format!("you are client {number} at {from}\n").into_bytes()
}

/// What the server answers the client whose socket is `conn`: its number and its address.
fn answer_for(number: usize, conn: &Conn) -> Vec<u8> {
    answer(number, conn.stream().local_addr().unwrap())
}

/// The address one side's connect() got from the kernel (its `connect` event's result).
fn connected_from(trace: &Trace, who: &str) -> SocketAddr {
    let event = trace
        .of(who)
        .find(|e| e.kind == "call" && e.name() == "connect")
        .unwrap_or_else(|| panic!("{who} made no connect() call"));
    let from = event.result.rsplit(' ').next().unwrap_or_default();
    from.parse()
        .unwrap_or_else(|_| panic!("{who}'s connect() result names no address: {event:?}"))
}

/// How many times a side called `name`.
fn count(trace: &Trace, who: &str, name: &str) -> usize {
    trace.calls(who).iter().filter(|c| *c == name).count()
}

#[test]
fn the_demo_serves_three_clients_in_order_each_told_its_own_address() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let names = ["alice", "bob", "carol"];
    let mut greetings = Vec::new();
    let mut answers = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let hello = format!("hello from {name}\n").into_bytes();
        assert_eq!(trace.sent(name), hello, "{name} sent");
        // Numbered in the order accepted (= connected), told the address it connected from.
        let told = answer(i + 1, connected_from(&trace, name));
        assert_eq!(
            String::from_utf8_lossy(&trace.received(name)),
            String::from_utf8_lossy(&told),
            "{name} received"
        );
        greetings.extend(hello);
        answers.extend(told);
    }
    assert_eq!(trace.received("server"), greetings, "the server read");
    assert_eq!(trace.sent("server"), answers, "the server sent");
    // Everybody connected before the first accept(); three accepts, and no more.
    assert_eq!(count(&trace, "server", "accept"), 3);
    assert!(
        trace.errors("server").is_empty(),
        "{:?}",
        trace.errors("server")
    );
}

#[test]
fn server_and_clients_in_separate_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &["--clients", "2"]);
    for (number, name) in [(1, "ann"), (2, "ben")] {
        let (run, trace) = lesson(BIN)
            .client(server.addr)
            .args(&["--name", name])
            .traced();
        run.success();
        assert_eq!(
            trace.sent("client"),
            format!("hello from {name}\n").as_bytes()
        );
        let told = answer(number, connected_from(&trace, "client"));
        assert_eq!(
            String::from_utf8_lossy(&trace.received("client")),
            String::from_utf8_lossy(&told),
            "{name} received"
        );
    }
    server.finish().success();
    let trace = server_trace.read();
    assert_eq!(
        trace.received("server"),
        b"hello from ann\nhello from ben\n"
    );
    assert_eq!(count(&trace, "server", "accept"), 2);
    // Two clients served, then the listener closed: the server exits by itself.
    assert_eq!(
        trace.calls("server").last().map(String::as_str),
        Some("close")
    );
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
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "2", "--read-timeout", "300"]);
    let mut silent = Conn::open(server.addr);
    let mut polite = Conn::open(server.addr);
    polite.send(b"hello from polite\n");
    // The server gives up on the silent client and closes its connection...
    silent.expect_eof();
    // ...and then serves the next one: one bad client must not stop the server.
    let expected = answer_for(2, &polite);
    polite.expect(&expected).expect_eof();
    server.finish().success();
    let trace = trace.read();
    // One failed call, a recv(), for the silent one; nothing sent to it.
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv("), "{errors:?}");
    assert_eq!(trace.received("server"), b"hello from polite\n");
    assert_eq!(trace.sent("server"), expected);
}

#[test]
fn clients_that_leave_mid_line_or_never_end_their_line_are_dropped() {
    let (server, trace) =
        testkit::traced_server(BIN, &["--clients", "3", "--read-timeout", "5000"]);
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
    server.finish().success();
    drop(rambler);
    let trace = trace.read();
    // The server read the leaver's half line, exactly 256 of the rambler's bytes (never
    // more: the limit), and the polite line; it answered only the polite client.
    let mut read = b"hello fr".to_vec();
    read.extend([b'x'; 256]);
    read.extend(b"hello from polite\n");
    assert_eq!(trace.received("server"), read);
    assert_eq!(trace.sent("server"), expected);
    assert_eq!(
        trace.errors("server").len(),
        2,
        "{:?}",
        trace.errors("server")
    );
}

#[test]
fn the_bad_clients_demo_goes_on_after_each_failure() {
    let (run, trace) = testkit::traced(BIN, &["--bad-clients"]);
    run.success();
    assert!(trace.sent("bob").is_empty(), "bob says nothing");
    assert_eq!(trace.sent("carol"), b"hello fr");
    // Bob times out, carol leaves mid-line: only alice is answered, and the demo goes on.
    let told = answer(1, connected_from(&trace, "alice"));
    assert_eq!(trace.sent("server"), told);
    assert_eq!(trace.received("alice"), told);
    assert!(trace.received("bob").is_empty(), "bob is told nothing");
    assert_eq!(count(&trace, "server", "accept"), 3);
    assert_eq!(
        trace.errors("server").len(),
        2,
        "{:?}",
        trace.errors("server")
    );
}

#[test]
fn a_client_whose_server_never_answers_gives_up() {
    // A listener that never accepts: the handshake completes, but nobody ever answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (run, trace) = lesson(BIN)
        .client(addr)
        .args(&["--read-timeout", "300"])
        .traced();
    run.clean_failure();
    assert_eq!(trace.sent("client"), b"hello from client\n");
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv("), "{errors:?}");
}

#[test]
fn a_trickling_client_is_cut_off_by_the_deadline_for_the_whole_line() {
    // Every byte of dave's comes well within 1500 ms of the one before: only a deadline for
    // the whole line stops him (a recv() timeout alone would wait 1500 ms after his last
    // byte, 2500 ms after the line began).
    let (run, trace) = testkit::traced(BIN, &["--trickle"]);
    run.success();
    let mut read = b"hello from dave".to_vec();
    read.extend(b"xx");
    read.extend(b"hello from alice\n");
    assert_eq!(trace.received("server"), read);
    let told = answer(2, connected_from(&trace, "alice"));
    assert_eq!(trace.sent("server"), told);
    assert_eq!(trace.received("alice"), told);
    // The cut: 1500 ms after dave's line began (his first recv()), not 1500 ms after his last.
    let server: Vec<_> = trace.of("server").collect();
    let began = server
        .iter()
        .find(|e| e.kind == "call" && e.name() == "recv")
        .expect("the server's first recv()")
        .t_ms;
    let cut = server
        .iter()
        .find(|e| e.kind == "error")
        .expect("dave is cut off")
        .t_ms;
    let after = cut - began;
    assert!(
        (1400.0..2400.0).contains(&after),
        "dave cut off {after:.0} ms after his line began (the deadline is 1500 ms)"
    );
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
fn the_book_shows_what_the_trickle_demo_prints() {
    BookOutput::new(BIN, "lesson-04-accept")
        .variant(&["--trickle"], "output-trickle.txt")
        .check();
}

/// The hostile-client battery (testkit::hostile): after each hostile client, a normal one
/// must be served, within the server's deadline for the hostile one + a margin, since this
/// server serves one client at a time.
fn hostile_target() -> testkit::hostile::Target {
    testkit::hostile::Target::server(
        BIN,
        &["--clients", "1000000", "--read-timeout", "1500"],
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
