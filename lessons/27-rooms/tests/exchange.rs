//! Lesson 27's exchange, checked for real over the wire: the server binary with raw clients
//! (testkit's Conn) and with the lesson's own client, the demo's bytes from its trace, and the
//! output the book shows. These check the lesson as the book shows it, so they run on the
//! reference build only; the challenge's battery is tests/exercise.rs, the hostile clients
//! tests/hostile.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, traced, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-27-rooms");

#[test]
fn the_server_relays_a_room_and_the_lessons_client_takes_part() {
    let server = Server::start(BIN, &[]);
    let mut alice = Conn::open(server.addr);
    alice
        .send(b"NICK alice\nJOIN #rust\n")
        .expect(b"OK nick alice\nOK join #rust\n");
    let run = lesson(BIN)
        .client(server.addr)
        .stdin(b"NICK carol\nJOIN #rust\nMSG #rust hi alice\nLIST\n")
        .run();
    run.success();
    run.stdout_has("OK nick carol");
    run.stdout_has("ROOMS #rust");
    // carol's client sent all her lines, then shut down its side: she has left.
    alice
        .expect(b"JOIN #rust carol\nMSG #rust carol hi alice\nPART #rust carol\n")
        .send(b"QUIT\n")
        .expect(b"OK bye\n")
        .expect_eof();
}

#[test]
fn the_demo_moves_these_bytes() {
    let (run, trace) = traced(BIN, &[]);
    run.success();
    assert_eq!(
        trace.received("bob"),
        b"OK nick Bob\nOK join #rust\nMSG #rust Alice hello Bob\n"
    );
    assert_eq!(
        trace.received("carol"),
        b"ERR nick taken\nOK nick Carol\nOK join #games\nERR not in #rust\nROOMS #games #rust\n"
    );
    assert_eq!(
        trace.received("alice"),
        b"OK nick Alice\nOK join #rust\nJOIN #rust Bob\nOK msg #rust\nPART #rust Bob\nOK bye\n"
    );
    assert_eq!(
        trace
            .calls("server")
            .iter()
            .filter(|c| *c == "accept")
            .count(),
        3
    );
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-27-rooms").check();
}
