//! Lesson 23's exchange, checked for real over the wire: the server binary with raw clients
//! (testkit's Conn) and with the lesson's own client; and the output the book shows. These
//! check the lesson as the book shows it, so they run on the reference build only; the
//! challenge's battery is tests/exercise.rs, the hostile clients tests/hostile.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-23-kv");

#[test]
fn the_server_keeps_one_store_for_clients_one_after_another() {
    // Spec, "Clients": one store; --clients 3 serves three, then the server exits with 0.
    let server = Server::start(BIN, &["--clients", "3"]);
    Conn::open(server.addr)
        .send(b"SET a 1\nSET b two words\nGET a\n")
        .expect(b"OK\nOK\nVALUE 1\n")
        .send(b"QUIT\n")
        .expect(b"BYE\n")
        .expect_eof();
    Conn::open(server.addr)
        .send(b"DEL a\nGET a\nnonsense\n")
        .expect(b"DELETED\nNOTFOUND\nERR bad request\n")
        .shutdown_write()
        .expect_eof();
    let run = lesson(BIN).client(server.addr).stdin(b"GET b\nDEL b").run();
    run.success();
    run.stdout_has("VALUE two words");
    run.stdout_has("DELETED");
    server.finish().success();
}

#[test]
fn the_server_refuses_a_line_too_long_and_serves_the_next_client() {
    // Spec, "Limits": 1024 bytes is the default line limit, its \n included.
    let server = Server::start(BIN, &["--clients", "2"]);
    let mut long = b"SET k ".to_vec();
    long.resize(1024, b'v');
    Conn::open(server.addr)
        .send(&long)
        .expect(b"ERR line too long\n")
        .expect_eof();
    Conn::open(server.addr)
        .send(b"GET k\n")
        .expect(b"NOTFOUND\n")
        .shutdown_write()
        .expect_eof();
    server.finish().success();
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-23-kv").check();
}
