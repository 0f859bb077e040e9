#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 25's exchange, checked for real over the wire: the demo's bytes from its trace, the
//! server binary with raw clients (testkit's Conn) in both framings, and the lesson's own
//! client; and the output the book shows. The exercise's checks are tests/exercise.rs, the
//! claims the chapter makes about tokio-util tests/codecs.rs.

use testkit::{lesson, traced, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-25-codecs");

#[test]
fn the_demo_answers_lines_and_frames_and_measures_the_queue() {
    let (run, trace) = traced(BIN, &[]);
    run.success();
    // alice: three lines in one write, the middle one too long; three answers.
    let mut alice = b"hello\n".to_vec();
    alice.extend_from_slice(&[b'x'; 40]);
    alice.extend_from_slice(b"\nstill here\n");
    assert_eq!(trace.sent("alice"), alice);
    assert_eq!(trace.received("reader1"), alice);
    let answers = b"HELLO\nerror: line longer than 32 bytes\nSTILL HERE\n";
    assert_eq!(trace.sent("writer1"), answers);
    assert_eq!(trace.received("alice"), answers);
    // bob: two frames, then a varint that promises 1 MiB; two frames back, then the end.
    let frames = b"\x05hello\x05world\x80\x80\x40";
    assert_eq!(trace.sent("bob"), frames);
    assert_eq!(trace.received("reader2"), frames);
    assert_eq!(trace.sent("writer2"), b"\x05HELLO\x05WORLD");
    assert_eq!(trace.received("bob"), b"\x05HELLO\x05WORLD");
    // The refused frame is reader2's one error, and it came before any payload.
    let errors = trace.errors("reader2");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("1048576"), "{errors:?}");
    // Each writer closed (FIN) after its answers.
    for writer in ["writer1", "writer2"] {
        assert_eq!(
            trace.calls(writer).last().map(String::as_str),
            Some("close")
        );
    }
}

#[test]
fn an_over_long_line_is_refused_and_the_next_line_is_served() {
    let server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    // 33 bytes: one over. Then a line of exactly 32, and non-UTF-8.
    let mut bytes = [b'x'; 33].to_vec();
    bytes.push(b'\n');
    bytes.extend_from_slice(&[b'y'; 32]);
    bytes.extend_from_slice(b"\n\xff\xfe\nok\n");
    conn.send(&bytes)
        .expect(b"error: line longer than 32 bytes\n");
    conn.expect(b"YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY\nerror: not UTF-8\nOK\n");
    conn.shutdown_write().expect_eof();
}

#[test]
fn a_long_line_in_pieces_is_discarded_up_to_its_newline() {
    let server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    // 100 bytes without a newline, in ten sends: refused once the limit is passed, before
    // the line ends; what follows is discarded up to the newline, then lines go on.
    conn.send(&[b'x'; 10]);
    conn.send(&[b'x'; 30])
        .expect(b"error: line longer than 32 bytes\n");
    for _ in 0..6 {
        conn.send(&[b'x'; 10]);
    }
    conn.send(b"xx\nnext\n").expect(b"NEXT\n");
    conn.shutdown_write().expect_eof();
}

#[test]
fn half_a_line_at_the_end_is_not_a_request() {
    let server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"one\ntw").shutdown_write();
    assert_eq!(conn.read_to_end(), b"ONE\n");
}

#[test]
fn frames_in_pieces_are_answered_and_a_huge_header_ends_the_connection_at_once() {
    let server = Server::start(BIN, &["--frames"]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"\x02").send(b"h").send(b"i\0\xac");
    conn.expect(b"\x02HI\0");
    // 300 (ac 02) is under the maximum: its payload is awaited.
    conn.send(b"\x02").send(&[b'z'; 300]);
    conn.expect(&[&b"\xac\x02"[..], &[b'Z'; 300]].concat());
    // A varint that says 1025 bytes (81 08), one over: no payload needed to refuse it.
    conn.send(b"\x81\x08");
    assert_eq!(conn.read_to_end(), b"");
    // The server goes on with the next client; a payload of exactly 1024 (80 08) is fine.
    let mut frame = b"\x80\x08".to_vec();
    frame.extend_from_slice(&[b'a'; 1024]);
    let mut answer = b"\x80\x08".to_vec();
    answer.extend_from_slice(&[b'A'; 1024]);
    Conn::open(server.addr)
        .send(&frame)
        .expect(&answer)
        .shutdown_write()
        .expect_eof();
}

#[test]
fn a_client_that_sends_nothing_is_cut_at_the_idle_limit() {
    let server = Server::start(BIN, &["--idle", "1"]);
    let began = std::time::Instant::now();
    let mut silent = Conn::open(server.addr);
    silent.send(b"half a li");
    assert_eq!(silent.read_to_end(), b"");
    let took = began.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(900) && took < std::time::Duration::from_secs(5),
        "cut after {took:?}, the limit is 1 s"
    );
}

#[test]
fn the_lessons_client_speaks_both_framings() {
    let lines = Server::start(BIN, &[]);
    lesson(BIN)
        .client(lines.addr)
        .stdin(b"hello\nworld\n")
        .run()
        .success()
        .stdout_has("answer: HELLO")
        .stdout_has("answer: WORLD");
    let frames = Server::start(BIN, &["--frames"]);
    lesson(BIN)
        .client(frames.addr)
        .args(&["--frames"])
        .stdin(b"a frame\n")
        .run()
        .success()
        .stdout_has("answer: A FRAME");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-25-codecs").check();
}
