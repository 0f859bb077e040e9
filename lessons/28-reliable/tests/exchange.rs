//! Lesson 28's exchange, checked for real: the receiver (server) behind its lossy relay and the
//! sender (client) as two processes, the demo's datagrams from its trace, and the output the
//! book shows. These check the lesson as the book shows it, so they run on the reference build
//! only; the challenge's battery is tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use lesson_28_reliable::fingerprint;
use testkit::{lesson, traced, BookOutput, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-28-reliable");

#[test]
fn a_stream_crosses_a_lossy_relay_between_two_processes() {
    let data: Vec<u8> = (0..60_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let relay = [
        "--loss", "20", "--dup", "10", "--jitter", "5", "--rto", "50",
    ];
    let server = Server::start(BIN, &relay);
    let run = lesson(BIN)
        .client(server.addr)
        .args(&["--rto", "50"])
        .stdin(&data)
        .run();
    run.success();
    let said = format!("{} bytes, hash {:016x}", data.len(), fingerprint(&data));
    run.stdout_has(&format!("sent {said}"));
    let received = server.finish();
    received.success();
    received.stdout_has(&format!("received {said}"));
}

#[test]
fn a_strangers_garbage_before_the_sender_changes_nothing() {
    // Spec, "Receiving": datagrams that are not Data or End are ignored; the lesson's link
    // takes as its peer the first that sends one, and ignores everyone else.
    let server = Server::start(BIN, &["--rto", "50"]);
    let stranger = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for junk in [&b""[..], b"hello", b"A\0\0\0\x05", b"D\0"] {
        stranger.send_to(junk, server.addr).unwrap();
    }
    let data = b"after the garbage, the stream\n".repeat(100);
    let run = lesson(BIN)
        .client(server.addr)
        .args(&["--rto", "50"])
        .stdin(&data)
        .run();
    run.success();
    let received = server.finish();
    received.success();
    let said = format!("{} bytes, hash {:016x}", data.len(), fingerprint(&data));
    received.stdout_has(&format!("received {said}"));
}

#[test]
fn the_demo_delivers_its_text_and_the_sender_retransmits() {
    let (run, trace) = traced(BIN, &[]);
    run.success();
    run.stdout_has(r#"the receiver got b"every byte, once, in order\n""#);
    let sends = trace
        .calls("sender")
        .iter()
        .filter(|c| *c == "send_to")
        .count();
    // 4 Data packets and the End, and at least one of them again (30% are lost).
    assert!(sends > 5, "{sends} datagrams sent");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-28-reliable").check();
}
