//! Lesson 30's exchange, checked for real over the wire: the server binary with raw clients
//! (testkit's Conn) and with the lesson's own client, the demo's bytes from its trace, and the
//! output the book shows. These check the lesson as the book shows it, so they run on the
//! reference build only; the challenge's battery is tests/exercise.rs, the hostile clients
//! tests/hostile.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, traced, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-30-scale");

#[test]
fn the_server_echoes_and_the_lessons_client_gets_its_line() {
    let server = Server::start(BIN, &["--max-line", "8"]);
    Conn::open(server.addr)
        .send(b"ping\npong\n")
        .expect(b"ping\npong\n")
        .send(b"0123456789")
        .expect(b"ERR line too long\n")
        .expect_eof();
    let run = lesson(BIN).client(server.addr).run();
    run.success();
    run.stdout_has("ping");
}

#[test]
fn the_demo_moves_these_bytes() {
    let (run, trace) = traced(BIN, &[]);
    run.success();
    assert_eq!(trace.sent("polite"), b"one\ntwo\nthree\n");
    assert_eq!(trace.received("polite"), b"one\ntwo\nthree\n");
    assert_eq!(trace.received("long"), b"ERR line too long\n");
    assert_eq!(trace.received("silent"), b"");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-30-scale").check();
}
