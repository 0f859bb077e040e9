#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 12's exchange, checked for real: WouldBlock, clients interleaved on one thread,
//! half lines, vanishing and silent clients, oversized lines, and partial sends. What each
//! side sent, received, called and failed comes from the lesson's trace (`--trace FILE`),
//! never from the narration's wording (pinned once, by the book-output tests).

use std::io::{ErrorKind, Read, Write};
use std::thread;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use testkit::trace::Event;
use testkit::{lesson, BookOutput, Conn, Server, Trace, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-12-nonblocking");

/// A server started with `--trace`, and its trace file.
fn traced_server(args: &[&str]) -> (Server, TraceFile) {
    let trace = TraceFile::new();
    let mut all = args.to_vec();
    all.extend(["--trace", trace.path()]);
    (Server::start(BIN, &all), trace)
}

/// Where in the trace the first event of `who` for which `test` holds is (its index).
#[track_caller]
fn first(trace: &Trace, who: &str, test: impl Fn(&Event) -> bool) -> usize {
    trace
        .events
        .iter()
        .position(|e| e.who == who && test(e))
        .unwrap_or_else(|| panic!("no such event of {who} in {:#?}", trace.events))
}

/// Bytes moved: an event of kind `send` or `recv` that carried exactly these bytes.
fn moved<'a>(kind: &'a str, bytes: &'a [u8]) -> impl Fn(&Event) -> bool + 'a {
    move |e| e.kind == kind && e.bytes.as_deref() == Some(bytes)
}

/// How many of one side's calls named `name` moved no bytes: a recv() or send() that
/// answered WouldBlock (the adapter records bytes only for calls that moved some; an end of
/// stream is recorded, with none).
fn without_bytes(trace: &Trace, who: &str, name: &str) -> usize {
    let calls = trace
        .of(who)
        .filter(|e| e.kind == "call" && e.name() == name)
        .count();
    let kind = if name == "send" { "send" } else { "recv" };
    let moved = trace.of(who).filter(|e| e.kind == kind).count();
    calls - moved
}

/// No error anywhere in the trace.
#[track_caller]
fn no_errors(trace: &Trace) {
    let errors: Vec<_> = trace.events.iter().filter(|e| e.kind == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_demo_shows_would_block_then_serves_two_clients_on_one_thread() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    no_errors(&trace);
    // Part one: accept() returned at once, before anyone connected; recv() returned at once
    // with no bytes (carol sent none); then the loop was made.
    let server = trace.calls("server");
    let part_one = [
        "set_nonblocking",
        "accept",
        "accept",
        "set_nonblocking",
        "recv",
        "Poll::new",
        "register",
    ];
    assert_eq!(server[4..11], part_one, "{server:?}");
    let carol = first(&trace, "carol", |e| e.name() == "connect");
    assert!(first(&trace, "server", |e| e.name() == "accept") < carol);
    let first_poll = first(&trace, "server", |e| e.name() == "poll");
    assert!(!trace.events[..first_poll]
        .iter()
        .any(|e| e.who == "server" && e.kind == "recv"));
    // Part two: each client's bytes reached its own connection and came back in upper case.
    for (client, conn, line) in [("alice", "conn1", b"hello\n"), ("bob", "conn2", b"world\n")] {
        assert_eq!(trace.sent(client), line, "{client}");
        assert_eq!(trace.received(conn), line, "{conn}");
        assert_eq!(trace.sent(conn), line.to_ascii_uppercase(), "{conn}");
        assert_eq!(
            trace.received(client),
            line.to_ascii_uppercase(),
            "{client}"
        );
    }
    // conn1 held alice's "hel" while bob was answered; then alice finished her line.
    let hel = first(&trace, "conn1", moved("recv", b"hel"));
    let bob_answered = first(&trace, "bob", moved("recv", b"WORLD\n"));
    assert!(hel < first(&trace, "bob", moved("send", b"world\n")));
    assert!(bob_answered < first(&trace, "alice", moved("send", b"lo\n")));
    // Every read went on until WouldBlock: one empty-handed recv() after each piece.
    assert_eq!(without_bytes(&trace, "conn1", "recv"), 2);
    assert_eq!(without_bytes(&trace, "conn2", "recv"), 1);
    // Both connections ended with an end of stream, then deregister + close.
    for conn in ["conn1", "conn2"] {
        let calls = trace.calls(conn);
        assert_eq!(
            calls.last().map(String::as_str),
            Some("deregister"),
            "{conn}"
        );
        let last_recv = trace.of(conn).filter(|e| e.kind == "recv").last().unwrap();
        assert_eq!(last_recv.bytes.as_deref(), Some(&b""[..]), "{conn}");
    }
    assert_eq!(
        trace.calls("server").last().map(String::as_str),
        Some("close")
    );
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = traced_server(&["--clients", "1"]);
    let (client, trace) = lesson(BIN).client(server.addr).traced();
    client.success().stdout_has("answers: HELLO, WORLD");
    assert_eq!(trace.sent("client"), b"hello\nworld\n");
    assert_eq!(trace.received("client"), b"HELLO\nWORLD\n");
    assert_eq!(
        trace.calls("client"),
        ["connect", "send", "recv", "shutdown", "close"]
    );
    no_errors(&trace);
    server.finish().success();
    let trace = server_trace.read();
    no_errors(&trace);
    assert_eq!(trace.received("conn1"), b"hello\nworld\n");
    assert_eq!(trace.sent("conn1"), b"HELLO\nWORLD\n");
    let server = trace.calls("server");
    // After the listener's four calls (and, before them, the descriptor limit's).
    let listen = server.iter().position(|c| c == "listen").expect("listen()");
    let loop_made: Vec<_> = server.iter().skip(listen + 1).take(3).collect();
    assert_eq!(loop_made, ["Poll::new", "register", "poll"], "{server:?}");
    assert!(server.iter().any(|c| c == "accept"));
}

#[test]
fn half_a_line_from_one_client_does_not_hold_up_another() {
    let (server, trace) = traced_server(&["--clients", "2"]);
    // Connected in this order, they are accepted in this order: a is conn1, b conn2.
    let mut a = Conn::open(server.addr);
    let mut b = Conn::open(server.addr);
    a.send(b"hel");
    // A is in the middle of a line; B sends a whole one and is answered. (A server that
    // waited for A's line would never answer B.)
    b.send(b"world\n").expect(b"WORLD\n");
    a.send(b"lo\n").expect(b"HELLO\n");
    a.shutdown_write().expect_eof();
    b.shutdown_write().expect_eof();
    server.finish().success();
    let trace = trace.read();
    assert_eq!(trace.received("conn1"), b"hello\n");
    assert_eq!(trace.received("conn2"), b"world\n");
    // B's answer went out before the end of A's line had come.
    let world = first(&trace, "conn2", moved("send", b"WORLD\n"));
    assert!(world < first(&trace, "conn1", moved("send", b"HELLO\n")));
    no_errors(&trace);
}

#[test]
fn lines_that_arrive_together_are_answered_one_by_one() {
    let (server, trace) = traced_server(&["--clients", "1"]);
    let mut conn = Conn::open(server.addr);
    // Windows-style line ends too: the \r is dropped.
    conn.send(b"one\ntwo\r\nthr")
        .send(b"ee\n")
        .expect(b"ONE\nTWO\nTHREE\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
    let trace = trace.read();
    assert_eq!(trace.received("conn1"), b"one\ntwo\r\nthree\n");
    assert_eq!(trace.sent("conn1"), b"ONE\nTWO\nTHREE\n");
}

#[test]
fn a_silent_client_does_not_block_the_others() {
    let (server, trace) = traced_server(&["--clients", "2"]);
    // Accepted first: a server that waited for it would never get to the second.
    let mut silent = Conn::open(server.addr);
    Conn::open(server.addr)
        .send(b"ping\n")
        .expect(b"PING\n")
        .shutdown_write()
        .expect_eof();
    silent.shutdown_write().expect_eof();
    server.finish().success();
    let trace = trace.read();
    assert_eq!(trace.sent("conn2"), b"PING\n");
    assert!(trace.received("conn1").is_empty() && trace.sent("conn1").is_empty());
}

#[test]
fn a_client_that_vanishes_mid_line_ends_only_its_own_connection() {
    let (server, trace) = traced_server(&["--clients", "2"]);
    Conn::open(server.addr).send(b"half a li");
    // That connection is gone (dropped); the server goes on.
    Conn::open(server.addr)
        .send(b"still here\n")
        .expect(b"STILL HERE\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
    let trace = trace.read();
    // The half line came, then the end of stream; nothing was answered.
    assert_eq!(trace.received("conn1"), b"half a li");
    let last_recv = trace
        .of("conn1")
        .filter(|e| e.kind == "recv")
        .last()
        .unwrap();
    assert_eq!(last_recv.bytes.as_deref(), Some(&b""[..]));
    assert!(trace.sent("conn1").is_empty());
    assert_eq!(trace.sent("conn2"), b"STILL HERE\n");
    no_errors(&trace);
}

#[test]
fn an_oversized_line_is_refused() {
    let (server, trace) = traced_server(&["--clients", "2"]);
    let mut flood = Conn::open(server.addr);
    flood.send(&[b'x'; 2000]);
    flood.expect(b"ERROR line too long\n").expect_eof();
    // The server is still serving.
    Conn::open(server.addr)
        .send(b"ok\n")
        .expect(b"OK\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
    let trace = trace.read();
    assert_eq!(trace.sent("conn1"), b"ERROR line too long\n");
    // Refused in the read that brought byte 1025: no read after it.
    let reads = trace.of("conn1").filter(|e| e.kind == "recv").count();
    let received = trace.received("conn1").len();
    assert!(received > 1024, "{received} bytes");
    assert!(
        reads == 1 || received - 1024 < 4096,
        "{reads} reads, {received} bytes"
    );
    assert_eq!(trace.sent("conn2"), b"OK\n");
}

/// Send without reading, in whole lines, until our send cannot go on for 0.5 s: that happens
/// once the server has stopped reading us (64 KiB of answers wait for a send buffer that our
/// unread answers keep full). Returns how many lines went out.
fn send_until_stopped(conn: &Conn, line: &[u8], count: usize) -> usize {
    let stream = conn.stream();
    stream
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let all = line.repeat(count);
    let mut sent = 0;
    while sent < all.len() {
        match testkit::uninterrupted(|| (&*stream).write(&all[sent..])) {
            Ok(n) => sent += n,
            // Stopped, and the lines stay whole: the rest of this one goes with the others.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
            Err(e) => panic!("sending lines: {e}"),
        }
    }
    sent
}

#[test]
fn a_client_that_does_not_read_gets_every_byte_and_blocks_nobody() {
    let (server, trace) = traced_server(&["--clients", "2"]);
    // Small buffers on our side: the kernel cannot hide the answers we do not read.
    let mut big = Conn::open_small(server.addr, 4096);
    let line = b"the quick brown fox jumps over the lazy dog\n";
    let count = 100_000; // 4.4 MB: more than the kernel's buffers hold
    let sent = send_until_stopped(&big, line, count);
    // The server takes no more from us: another client is served at once.
    Conn::open(server.addr)
        .send(b"me too\n")
        .expect(b"ME TOO\n")
        .shutdown_write()
        .expect_eof();
    // The rest of the lines, while we read (the server reads on as we do).
    let mut writer = big.stream().try_clone().unwrap();
    let rest = line.repeat(count)[sent..].to_vec();
    let sender = thread::spawn(move || {
        writer.set_write_timeout(Some(testkit::timeout()))?;
        writer.write_all(&rest)
    });
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
    let trace = trace.read();
    // The answers filled the send buffer: some send() took nothing (WouldBlock), and what it
    // did not take was sent later, every byte.
    assert!(without_bytes(&trace, "conn1", "send") > 0);
    assert_eq!(trace.sent("conn1").len(), expected.len() * count);
    assert_eq!(trace.sent("conn2"), b"ME TOO\n");
    no_errors(&trace);
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
    let (run, trace) = testkit::traced(BIN, &["--misbehave", "--line-timeout", "300"]);
    run.success();
    no_errors(&trace);
    // flood's 2000 bytes came in one read and were refused; slow's half line ran out of
    // time; bob was answered meanwhile, before slow's refusal.
    assert_eq!(trace.received("conn1").len(), 2000);
    assert_eq!(trace.sent("conn1"), b"ERROR line too long\n");
    assert_eq!(trace.received("flood"), b"ERROR line too long\n");
    assert_eq!(trace.received("conn2"), b"hel");
    assert_eq!(trace.sent("conn2"), b"ERROR line too slow\n");
    assert_eq!(trace.received("slow"), b"ERROR line too slow\n");
    assert_eq!(trace.sent("conn3"), b"PING\n");
    let bob = first(&trace, "bob", moved("recv", b"PING\n"));
    assert!(bob < first(&trace, "conn2", moved("send", b"ERROR line too slow\n")));
    // The line's deadline, not a timeout per recv: slow's refusal came at least 300 ms
    // after its bytes.
    let hel = &trace.events[first(&trace, "conn2", moved("recv", b"hel"))];
    let refused = &trace.events[first(&trace, "conn2", |e| e.kind == "send")];
    assert!(refused.t_ms - hel.t_ms >= 300.0, "{hel:?} {refused:?}");
    // flood and slow each read the end of the stream after their refusal.
    for who in ["flood", "slow"] {
        let last = trace.of(who).filter(|e| e.kind == "recv").last().unwrap();
        assert_eq!(last.bytes.as_deref(), Some(&b""[..]), "{who}");
    }
}

#[test]
fn a_bad_timeout_is_refused_on_the_command_line() {
    Command::new(BIN)
        .args(["server", "--line-timeout", "soon"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--line-timeout"))
        .stderr(predicate::str::contains("panicked").not());
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
