//! Lesson 07's exchange, checked for real: the demo, two processes, raw bytes split and run
//! together, and every way a message can go wrong. They assert the bytes each side sent and
//! received (the trace, or a raw client), exit codes and which call failed, never the
//! narration's wording (the book-output test pins that once). A raw client waits for the
//! server's `recv(` line only to be sure that its pieces arrive separately.
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::trace::Event;
use testkit::{lesson, BookOutput, Conn, Server, Trace, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-07-recv");

/// A length-prefixed message: 4 bytes of length, big-endian, then the bytes.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = (message.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    framed
}

/// What each of one side's recv() calls returned, in order (the narrated `Recv` records them).
fn recvs(trace: &Trace, who: &str) -> Vec<Vec<u8>> {
    trace
        .of(who)
        .filter(|e| e.kind == "recv")
        .filter_map(|e| e.bytes.clone())
        .collect()
}

/// A recv() call that returned (its line is printed once it is in the trace).
fn a_recv(e: &Event) -> bool {
    e.kind == "call" && e.name() == "recv"
}

/// The one call the server reports as failed, and why.
#[track_caller]
fn one_error(trace: &TraceFile) -> (String, String) {
    let errors = trace.read().errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].clone()
}

#[test]
fn the_demo_reassembles_split_messages_and_separates_joined_ones() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let lines = [
        &b"hello\n"[..],
        b"Gr\xc3",
        b"\xbc\xc3\x9fe, in",
        b" three pieces\n",
        b"two\nmessages\n",
    ];
    let framed = [frame(b"hello"), frame("Grüße".as_bytes())].concat();
    assert_eq!(
        trace.sent("client"),
        [&lines.concat()[..], &framed].concat()
    );
    // Each recv() returned what one send() sent: a piece of a line, or two lines at once;
    // then end of stream. With length framing: 4 bytes of length, then the body, twice.
    let mut expected: Vec<Vec<u8>> = lines.iter().map(|p| p.to_vec()).collect();
    expected.push(vec![]);
    for message in [&b"hello"[..], "Grüße".as_bytes()] {
        expected.push((message.len() as u32).to_be_bytes().to_vec());
        expected.push(message.to_vec());
    }
    expected.push(vec![]);
    assert_eq!(recvs(&trace, "server"), expected);
    // Four answers to the four lines, two framed answers to the two messages.
    let answers = "got #1: hello\ngot #2: Grüße, in three pieces\ngot #3: two\ngot #4: messages\n";
    let mut got_2 = b"got #2: ".to_vec();
    got_2.extend("Grüße".as_bytes());
    let framed_answers = [frame(b"got #1: hello"), frame(&got_2)].concat();
    assert_eq!(
        trace.sent("server"),
        [answers.as_bytes(), &framed_answers].concat()
    );
    assert!(trace.errors("server").is_empty() && trace.errors("client").is_empty());
}

#[test]
fn server_and_client_in_two_processes_with_lines() {
    let server = Server::start(BIN, &[]);
    let (run, trace) = lesson(BIN).client(server.addr).traced();
    run.success();
    server.finish().success();
    assert_eq!(
        trace.sent("client"),
        "Grüße, in three pieces\ntwo\nmessages\n".as_bytes()
    );
    let answers: Vec<u8> = recvs(&trace, "client").concat();
    assert_eq!(
        answers,
        "got #1: Grüße, in three pieces\ngot #2: two\ngot #3: messages\n".as_bytes()
    );
}

#[test]
fn server_and_client_in_two_processes_with_length_prefixes() {
    let server = Server::start(BIN, &["--framing", "length"]);
    let (run, trace) = lesson(BIN)
        .args(&["--framing", "length"])
        .client(server.addr)
        .traced();
    run.success();
    server.finish().success();
    let answers: Vec<u8> = recvs(&trace, "client").concat();
    let expected = [
        frame("got #1: Grüße, in three pieces".as_bytes()),
        frame(b"got #2: two"),
        frame(b"got #3: messages"),
    ]
    .concat();
    assert_eq!(answers, expected);
}

#[test]
fn a_length_prefixed_message_sent_in_pieces_is_reassembled() {
    // Each piece is sent only after the server's recv() has returned the one before, so the
    // pieces arrive separately for certain. One recv() is not enough to read this message.
    let (mut server, trace) = testkit::traced_server(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0, 0, 0, 5]);
    trace.wait_for(&mut server, 1, a_recv);
    conn.send(b"he");
    trace.wait_for(&mut server, 2, a_recv);
    // A wrong server may be gone by now; what it answered is what matters.
    let _ = conn.try_send(b"llo");
    conn.expect(&frame(b"got #1: hello"));
    // Two messages in one send: both must be answered.
    conn.send(&[frame(b"two"), frame(b"in one")].concat());
    conn.expect(&frame(b"got #2: two"))
        .expect(&frame(b"got #3: in one"));
    conn.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn a_header_split_in_the_middle_is_reassembled() {
    let (mut server, trace) = testkit::traced_server(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0, 0]);
    trace.wait_for(&mut server, 1, a_recv);
    let _ = conn.try_send(&[0, 2, b'o', b'k']);
    conn.expect(&frame(b"got #1: ok"));
    conn.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn a_line_sent_in_pieces_like_nc_would_is_reassembled() {
    let (mut server, trace) = testkit::traced_server(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"hel");
    trace.wait_for(&mut server, 1, a_recv);
    conn.send(b"lo\nsecond\nthi");
    assert_eq!(conn.read_line(), "got #1: hello");
    assert_eq!(conn.read_line(), "got #2: second");
    conn.send(b"rd\n");
    assert_eq!(conn.read_line(), "got #3: third");
    conn.shutdown_write().expect_eof();
    server.finish().success();
}

#[test]
fn a_peer_that_closes_mid_message_is_an_error_of_the_recv() {
    let (mut server, trace) = testkit::traced_server(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0, 0, 0, 5]);
    trace.wait_for(&mut server, 1, a_recv);
    let _ = conn.try_send(b"hel");
    conn.shutdown_write();
    server.finish().clean_failure();
    drop(conn);
    assert!(one_error(&trace).0.starts_with("recv("));

    let (server, trace) = testkit::traced_server(BIN, &[]);
    Conn::open(server.addr).send(b"no newline").shutdown_write();
    server.finish().clean_failure();
    assert!(one_error(&trace).0.starts_with("recv("));
}

#[test]
fn an_oversized_length_prefix_is_rejected_without_reading_on() {
    // 0xffffffff: a peer announcing a 4 GB message. The server must refuse at once.
    let (server, trace) = testkit::traced_server(BIN, &["--framing", "length"]);
    let mut conn = Conn::open(server.addr);
    conn.send(&[0xff, 0xff, 0xff, 0xff]);
    server.finish().clean_failure();
    assert_eq!(recvs(&trace.read(), "server"), [vec![0xff; 4]]);
    assert!(one_error(&trace).0.starts_with("recv("));
}

#[test]
fn a_line_over_the_limit_is_rejected() {
    let (server, trace) = testkit::traced_server(BIN, &["--max", "100"]);
    let mut conn = Conn::open(server.addr);
    let _ = conn.try_send(&[b'x'; 2000]);
    server.finish().clean_failure();
    assert!(trace.read().sent("server").is_empty(), "no answer");
    let (call, _) = one_error(&trace);
    assert!(call.starts_with("recv("), "{call}");
}

#[test]
fn bytes_that_are_not_utf8_are_an_error_and_get_no_answer() {
    // "café" in Latin-1: the é is the single byte 0xE9, which is not UTF-8.
    let (server, trace) = testkit::traced_server(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"caf\xe9\n");
    server.finish().clean_failure();
    assert!(trace.read().sent("server").is_empty(), "no answer");
}

#[test]
fn a_silent_client_times_out() {
    let (server, trace) = testkit::traced_server(BIN, &["--timeout-ms", "300"]);
    let conn = Conn::open(server.addr);
    let run = server.finish();
    drop(conn);
    run.clean_failure();
    let recv_calls: Vec<_> = trace.read().calls("server");
    assert_eq!(
        recv_calls.last().map(String::as_str),
        Some("recv"),
        "{recv_calls:?}"
    );
}

#[test]
fn an_unknown_framing_is_a_usage_error() {
    lesson(BIN).args(&["--framing", "xml"]).run().code(1);
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-07-recv").check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    testkit::std_and_tokio_say(
        "recv",
        r#"lines ["hello", "Grüße", "two"], message b"hello""#,
    );
}
