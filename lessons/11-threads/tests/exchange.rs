#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 11's exchange, checked for real: many clients at once, a silent client that blocks
//! nobody, the shared tally, the pool, the time limits and the failures. What each side sent,
//! received, called and failed comes from the lesson's trace (`--trace FILE`), never from the
//! narration's wording (pinned once, by the book-output test).

use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use testkit::trace::Event;
use testkit::{lesson, BookOutput, Conn, Server, Trace, TraceFile};

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

/// Bytes moved: an event of kind `send` or `recv` that carried at least one byte.
fn moved(kind: &'static str) -> impl Fn(&Event) -> bool {
    move |e| e.kind == kind && e.bytes.as_ref().is_some_and(|b| !b.is_empty())
}

/// The sides of the server's connections in a trace (`conn1`, `conn2`, …), by number.
fn connections(trace: &Trace) -> Vec<String> {
    let mut sides: Vec<String> = Vec::new();
    for e in &trace.events {
        if e.who.starts_with("conn") && !sides.contains(&e.who) {
            sides.push(e.who.clone());
        }
    }
    sides.sort_by_key(|s| s[4..].parse::<usize>().unwrap_or(0));
    sides
}

/// Every call of every side, and no error anywhere.
#[track_caller]
fn no_errors(trace: &Trace) {
    let errors: Vec<_> = trace.events.iter().filter(|e| e.kind == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The numbers in the server's closing notes: the shared tally shows only there, so its
/// figures (not the words around them) are compared with what the trace counted.
fn numbers_in_notes(trace: &Trace) -> Vec<u64> {
    trace
        .of("server")
        .filter(|e| e.kind == "note")
        .flat_map(|e| {
            e.text
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|w| w.parse().ok())
                .collect::<Vec<u64>>()
        })
        .collect()
}

/// Does `numbers` hold `expected` one after another?
fn holds_run(numbers: &[u64], expected: &[u64]) -> bool {
    numbers.windows(expected.len()).any(|w| w == expected)
}

#[test]
fn the_demo_serves_carol_while_alice_and_bob_are_silent() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    no_errors(&trace);
    // Each client's line went to its own connection's thread, and came back in upper case.
    for (who, conn) in [("alice", "conn1"), ("bob", "conn2"), ("carol", "conn3")] {
        let line = format!("hi from {who}\n").into_bytes();
        assert_eq!(trace.sent(who), line, "{who}");
        assert_eq!(trace.received(conn), line, "{conn}");
        assert_eq!(trace.sent(conn), line.to_ascii_uppercase(), "{conn}");
        assert_eq!(trace.received(who), line.to_ascii_uppercase(), "{who}");
        assert_eq!(
            trace.calls(conn),
            ["recv", "send", "recv", "close"],
            "{conn}"
        );
    }
    // carol had her answer before alice or bob said a word, although they connected first.
    let carol_answered = first(&trace, "carol", moved("recv"));
    assert!(carol_answered < first(&trace, "bob", moved("send")));
    assert!(carol_answered < first(&trace, "alice", moved("send")));
    // One thread per connection, each started right after its accept().
    let server = trace.calls("server");
    let spawned: Vec<_> = server
        .iter()
        .filter(|c| *c == "accept" || *c == "thread::spawn")
        .collect();
    assert_eq!(
        spawned,
        [
            "accept",
            "thread::spawn",
            "accept",
            "thread::spawn",
            "accept",
            "thread::spawn"
        ]
    );
    assert!(holds_run(&numbers_in_notes(&trace), &[3, 40]), "the tally");
}

#[test]
fn with_a_pool_of_two_carol_waits_for_a_free_worker() {
    let (run, trace) = testkit::traced(BIN, &["--pool", "2"]);
    run.success();
    no_errors(&trace);
    // The pool's threads are made once, at the start; none per connection.
    let server = trace.calls("server");
    let spawns = server.iter().filter(|c| *c == "thread::spawn").count();
    assert_eq!(spawns, 1, "{server:?}");
    // carol spoke first but was read only once bob's worker had finished with bob.
    let bob_done = first(&trace, "conn2", |e| e.name() == "close");
    let carol_read = first(&trace, "conn3", moved("recv"));
    assert!(first(&trace, "carol", moved("send")) < first(&trace, "bob", moved("send")));
    assert!(
        bob_done < carol_read,
        "carol's line was read before a worker was free"
    );
    // Her first recv() got nothing (no worker read her yet); then her answer came.
    let carol_recvs: Vec<_> = trace.of("carol").filter(|e| e.name() == "recv").collect();
    assert!(carol_recvs.len() >= 2, "{carol_recvs:#?}");
    assert!(first(&trace, "carol", |e| e.name() == "recv") < carol_read);
    assert_eq!(trace.received("carol"), b"HI FROM CAROL\n");
    assert_eq!(trace.received("conn3"), b"hi from carol\n");
    assert_eq!(trace.received("alice"), b"HI FROM ALICE\n");
}

#[test]
fn a_trickled_line_is_cut_at_its_deadline_while_carol_is_served() {
    let (run, trace) = testkit::traced(BIN, &["--trickle"]);
    run.success();
    // slow's line came in three recv()s, and never whole: conn1 failed with a timeout...
    assert_eq!(trace.received("conn1"), b"hello from slow");
    let recvs = trace.of("conn1").filter(|e| moved("recv")(e)).count();
    assert_eq!(recvs, 3);
    let errors = trace.errors("conn1");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
    assert!(trace.sent("conn1").is_empty());
    // ...less than a second after its last piece: a deadline for the line (1 s from the
    // accept), not a timeout per recv (which would have waited a whole second more).
    let last_piece = trace
        .of("conn1")
        .filter(|e| moved("recv")(e))
        .last()
        .unwrap();
    let cut = trace.of("conn1").find(|e| e.kind == "error").unwrap();
    let gap = cut.t_ms - last_piece.t_ms;
    assert!(gap < 950.0, "cut {gap} ms after the last piece");
    // Meanwhile carol, who connected later, was answered by her own thread.
    assert_eq!(trace.received("carol"), b"HI FROM CAROL\n");
    assert!(first(&trace, "carol", moved("recv")) < first(&trace, "conn1", |e| e.kind == "error"));
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = traced_server(&["--clients", "1"]);
    let (client, trace) = lesson(BIN).client(server.addr).traced();
    client.success().stdout_has("answer: HELLO FROM CLIENT 1");
    assert_eq!(trace.sent("client"), b"hello from client 1\n");
    assert_eq!(trace.received("client"), b"HELLO FROM CLIENT 1\n");
    no_errors(&trace);
    server.finish().success();
    let trace = server_trace.read();
    assert_eq!(trace.received("conn1"), b"hello from client 1\n");
    assert_eq!(trace.sent("conn1"), b"HELLO FROM CLIENT 1\n");
    let calls = trace.calls("server");
    // (Before them: the descriptor limit, and the reaper's thread.)
    let socket = calls
        .iter()
        .position(|c| c == "socket")
        .expect("a socket() call");
    assert_eq!(
        calls[socket..socket + 4],
        ["socket", "setsockopt", "bind", "listen"]
    );
    assert_eq!(calls.last().map(String::as_str), Some("close"));
    assert!(
        holds_run(&numbers_in_notes(&trace), &[1, 1, 20]),
        "the tally"
    );
    no_errors(&trace);
}

#[test]
fn a_silent_client_does_not_block_the_others() {
    let (server, trace) = traced_server(&["--clients", "2"]);
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
    server.finish().success();
    let trace = trace.read();
    assert_eq!(trace.received("conn2"), b"is anybody there?\n");
    assert_eq!(trace.received("conn1"), b"me\n");
    // conn2 (bob) was answered before conn1 (alice) got a byte.
    let bob_answered = first(&trace, "conn2", moved("send"));
    assert!(bob_answered < first(&trace, "conn1", moved("recv")));
    assert!(
        holds_run(&numbers_in_notes(&trace), &[2, 2, 21]),
        "the tally"
    );
}

/// `--max 2`: alice and bob are served and stay connected; carol, the third at once, gets
/// `busy\n` and the end of the stream at once, and no thread (the trace has no spawn for her
/// connection). Once alice has gone, her place is free: dave is served (he may have to try
/// again for the instant between alice's end of stream and her thread's end, when her thread
/// still holds its place). Proved by breaking it: with the server's limit made
/// `Limit::new(usize::MAX)`, carol gets a thread, no `busy`, and this test fails.
#[test]
fn past_max_a_client_is_told_busy_at_once_and_gets_no_thread() {
    let (server, trace) = traced_server(&["--max", "2"]);
    let mut alice = Conn::open(server.addr);
    alice.send(b"alice\n").expect(b"ALICE\n");
    let mut bob = Conn::open(server.addr);
    bob.send(b"bob\n").expect(b"BOB\n");
    let mut carol = Conn::open(server.addr);
    let got = carol.read_to_end();
    assert_eq!(got, b"busy\n", "carol, the third with --max 2");
    alice.shutdown_write().expect_eof();
    let deadline = std::time::Instant::now() + testkit::timeout();
    let mut refused = 0;
    loop {
        let mut dave = Conn::open(server.addr);
        // (Turned away, he may find the connection closed already: the line is not needed.)
        let _ = dave.try_send(b"dave\n");
        match dave.read_line().as_str() {
            "DAVE" => break,
            "busy" if std::time::Instant::now() < deadline => refused += 1,
            got => fail(&format!(
                "dave, after alice had gone: {got:?} ({refused} refusals)"
            )),
        }
    }
    bob.shutdown_write().expect_eof();
    // The server's own calls: carol's connection (the third accept) got her line and a
    // close, and no thread; every other connection got one (and the reaper its own).
    let trace = trace.read();
    let calls = trace.calls("server");
    let carol_s: Vec<&str> = [
        "accept",
        "setsockopt",
        "setsockopt",
        "send",
        "close",
        "accept",
    ]
    .to_vec();
    let accepts = calls.iter().filter(|c| *c == "accept").count();
    let spawns = calls.iter().filter(|c| *c == "thread::spawn").count();
    assert!(calls.windows(6).any(|w| w == carol_s), "{calls:?}");
    assert_eq!(spawns, 1 + accepts - 1 - refused, "{calls:?}");
    assert_eq!(trace.sent("server"), b"busy\n".repeat(1 + refused));
    drop(server);
}

#[test]
fn max_is_refused_with_a_pool_and_the_demo_needs_three() {
    for args in [
        &["server", "--pool", "2", "--max", "5"][..],
        &["--max", "2"],
    ] {
        lesson(BIN).args(args).run().clean_failure();
    }
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
    fill(conn).is_some()
}

/// The line a never-reading client sends, again and again: 1000 bytes and a newline.
const LONG_LINE: usize = 1001;

fn long_line() -> Vec<u8> {
    [b"x".repeat(LONG_LINE - 1), b"\n".to_vec()].concat()
}

/// [`fill_until_blocked`]'s work: how many bytes went out, or `None` after a reset.
fn fill(conn: &Conn) -> Option<usize> {
    let line = long_line();
    conn.stream()
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut sent = 0usize;
    loop {
        // Each write starts where the last one stopped, so that the lines stay whole.
        let rest = &line[sent % LONG_LINE..];
        match testkit::uninterrupted(|| conn.stream().write(rest)) {
            Ok(n) => sent += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Some(sent)
            }
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                return None
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
    let (server, trace) = traced_server(&["--clients", "1", "--timeout", "1"]);
    // Small buffers: the server's send() blocks after a few kilobytes, not megabytes.
    let hog = Conn::open_small(server.addr, 4096);
    // Blocked, or already reset by the server (on a busy machine its 1 s may pass first).
    // On a busy machine our send may also stall only because the server is slow: then the
    // last line must still come whole, or the server would end up waiting for its end (the
    // line's deadline, not the send limit). A thread sends the rest of it, for as long as the
    // server takes (until the server resets the connection, if it is really stuck in send).
    let sent = fill(&hog).unwrap_or(0);
    let rest = (LONG_LINE - sent % LONG_LINE) % LONG_LINE;
    let finisher = hog.stream().try_clone().unwrap();
    let finishing = thread::spawn(move || {
        let mut finisher = finisher;
        let _ = finisher.set_write_timeout(Some(testkit::timeout()));
        let _ = finisher.write_all(&long_line()[LONG_LINE - rest..]);
    });
    // The hog stays connected and never reads: only the send limit can end its thread, and
    // so the server (which waits for it).
    let run = server.finish();
    drop(hog);
    let _ = finishing.join();
    run.success();
    let trace = trace.read();
    let errors = trace.errors("conn1");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (call, reason) = &errors[0];
    assert!(call.starts_with("send("), "{errors:?}");
    assert!(reason.contains("timed out"), "{errors:?}");
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
    // served at the same time.
    server.finish().success();
}

/// The client program's fifty connections, each checked against the server's trace, and the
/// tally all threads shared: exact.
fn fifty_clients(server_args: &[&str]) -> Trace {
    let (server, server_trace) = traced_server(server_args);
    let (client, trace) = lesson(BIN)
        .client(server.addr)
        .args(&["--clients", "50"])
        .traced();
    client.success();
    no_errors(&trace);
    for k in 1..=50 {
        let line = format!("hello from client {k}\n").into_bytes();
        let who = format!("c{k}");
        assert_eq!(trace.sent(&who), line, "{who}");
        assert_eq!(trace.received(&who), line.to_ascii_uppercase(), "{who}");
    }
    server.finish().success();
    let trace = server_trace.read();
    no_errors(&trace);
    let conns = connections(&trace);
    assert_eq!(conns.len(), 50);
    let lines: usize = conns.iter().map(|c| trace.received(c).len()).sum();
    // 9 lines of 20 bytes ("hello from client 1\n") and 41 of 21: 1041 bytes.
    assert_eq!(lines, 1041);
    for conn in &conns {
        assert_eq!(trace.sent(conn), trace.received(conn).to_ascii_uppercase());
    }
    assert!(
        holds_run(&numbers_in_notes(&trace), &[50, 50, 1041]),
        "the tally"
    );
    trace
}

#[test]
fn fifty_clients_from_the_client_program_and_the_tally_is_exact() {
    let trace = fifty_clients(&["--clients", "50"]);
    let spawns = trace
        .of("server")
        .filter(|e| e.name() == "thread::spawn" && e.call.contains("(conn"))
        .count();
    assert_eq!(spawns, 50, "a thread per connection");
}

#[test]
fn a_pool_of_four_serves_fifty_clients() {
    let trace = fifty_clients(&["--pool", "4", "--clients", "50"]);
    // Four threads made once, at the start, and not one per connection.
    let spawns: Vec<_> = trace
        .of("server")
        .filter(|e| e.name() == "thread::spawn")
        .collect();
    assert_eq!(spawns.len(), 1, "{spawns:#?}");
    assert!(spawns[0].call.contains('4'), "{spawns:#?}");
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
    let (server, trace) = traced_server(&["--clients", "1"]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"he");
    conn.send(b"llo\nsecond\nthi");
    conn.send(b"rd\n");
    conn.expect(b"HELLO\nSECOND\nTHIRD\n");
    conn.shutdown_write().expect_eof();
    server.finish().success();
    let trace = trace.read();
    assert_eq!(trace.received("conn1"), b"hello\nsecond\nthird\n");
    // One answer per line, each sent once its line was whole.
    let answers: Vec<_> = trace
        .of("conn1")
        .filter(|e| e.kind == "send")
        .map(|e| e.bytes.clone().unwrap_or_default())
        .collect();
    assert_eq!(answers, [&b"HELLO\n"[..], b"SECOND\n", b"THIRD\n"]);
    assert!(holds_run(&numbers_in_notes(&trace), &[3, 19]), "the tally");
}

#[test]
fn a_silent_client_is_dropped_after_the_timeout_and_the_server_goes_on() {
    let (server, trace) = traced_server(&["--timeout", "1", "--clients", "2"]);
    let mut silent = Conn::open(server.addr);
    // The server closes it once its line's second is over (the test's own wait is longer).
    silent.expect_eof();
    Conn::open(server.addr)
        .send(b"next\n")
        .expect(b"NEXT\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
    let trace = trace.read();
    let errors = trace.errors("conn1");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
    assert!(errors[0].1.contains("timed out"), "{errors:?}");
    assert!(trace.received("conn1").is_empty() && trace.sent("conn1").is_empty());
    assert_eq!(trace.sent("conn2"), b"NEXT\n");
    assert!(trace.errors("conn2").is_empty());
}

#[test]
fn an_oversized_line_ends_that_connection_only() {
    let (server, trace) = traced_server(&["--clients", "2"]);
    let mut flood = Conn::open(server.addr);
    let _ = flood.try_send(&[b'x'; 2000]);
    // The server closes the connection without an answer.
    assert!(flood.read_to_end().is_empty());
    Conn::open(server.addr)
        .send(b"ok\n")
        .expect(b"OK\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
    let trace = trace.read();
    // Refused once more than 1024 bytes had come without a newline, holding at most 2 KiB.
    let errors = trace.errors("conn1");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
    let held = trace.received("conn1").len();
    assert!((1025..=2048).contains(&held), "{held} bytes");
    assert!(trace.sent("conn1").is_empty());
    assert_eq!(trace.sent("conn2"), b"OK\n");
}

#[test]
fn the_demo_refuses_a_pool_of_one() {
    Command::new(BIN)
        .args(["--pool", "1"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--pool 2"))
        .stderr(predicate::str::contains("panicked").not());
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
