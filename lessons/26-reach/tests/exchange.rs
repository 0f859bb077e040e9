#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 26's own exchange: the demo's three reaches from its trace, the server binary with
//! the lesson's client, and the output the book shows. The challenge's battery is
//! tests/exercise.rs.

use testkit::{lesson, traced, BookOutput, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-26-reach");

#[test]
fn the_demo_reaches_past_the_black_hole_and_refuses_the_wrong_name() {
    let (run, trace) = traced(BIN, &[]);
    run.success();
    // One request served, one answer: the first reach.
    assert_eq!(trace.received("server"), b"hello\n");
    assert_eq!(trace.sent("server"), b"HELLO\n");
    assert_eq!(trace.received("client"), b"HELLO\n");
    // The other two reaches failed: the certificate's name, then every address.
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].1.contains("not valid for name \"example.com\""),
        "{errors:?}"
    );
    assert!(errors[1].1.contains("every address failed"), "{errors:?}");
    assert!(
        errors[1].1.contains("refused") && errors[1].1.contains("timed out"),
        "{errors:?}"
    );
}

#[test]
fn the_lessons_client_reaches_the_server_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let ca = ca.to_str().unwrap();
    let server = Server::start(BIN, &["--ca", ca]);
    lesson(BIN)
        .client(server.addr)
        .args(&["--ca", ca, "--name", "localhost"])
        .run()
        .success()
        .stdout_has("answer: HELLO");
    lesson(BIN)
        .client(server.addr)
        .args(&["--ca", ca, "--name", "127.0.0.1"])
        .run()
        .success();
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-26-reach").check();
}
