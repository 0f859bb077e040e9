//! Lesson 06's exchange, checked for real: the demo, two processes, raw bytes, and failures.
//! They assert the bytes that went over the connection (the trace's `send`/`recv` events and
//! a raw client), exit codes and which call failed, never the narration's wording (the
//! book-output tests pin that once).
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, BookOutput, Conn, Server, Trace};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-06-send");

/// The payload the server sends: 0, 1, 2, … 250, 0, 1, …
fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

/// The greeting line, then the payload: everything the server sends.
fn everything(size: usize) -> Vec<u8> {
    let mut all = format!("Grüße! {size} bytes follow.\n").into_bytes();
    all.extend(payload(size));
    all
}

/// The sizes of the server's send() calls that took bytes, in order.
fn sends(trace: &Trace, who: &str) -> Vec<usize> {
    trace
        .of(who)
        .filter(|e| e.kind == "send")
        .map(|e| e.bytes.as_ref().map_or(0, Vec::len))
        .collect()
}

#[test]
fn the_demo_shows_a_partial_send_and_then_every_byte_arriving() {
    let size = 1024 * 1024;
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // The greeting (31 bytes, UTF-8) in one send(), then the payload, every byte in order.
    let (sent, received) = (trace.sent("server"), trace.received("client"));
    assert!(sent == everything(size), "{} bytes sent", sent.len());
    // The client reads the greeting too (common::talk::recv_line records its bytes).
    assert!(
        received == everything(size),
        "{} bytes received",
        received.len()
    );
    let sends = sends(&trace, "server");
    assert_eq!(sends[0], 31, "the greeting in one send(): {sends:?}");
    // The first non-blocking send() of the payload took only part of it.
    assert!(sends[1] < size, "the first send() took {} bytes", sends[1]);
    assert!(trace.errors("server").is_empty() && trace.errors("client").is_empty());
    assert!(trace
        .calls("server")
        .contains(&"set_nonblocking".to_string()));
}

/// A payload that fits in the buffers: one non-blocking send() takes all of it, and nothing is
/// left to offer (the chapter's "Try it" 1). Fails if offering the rest of nothing loops.
#[test]
fn a_small_payload_fits_in_one_non_blocking_send() {
    let (run, trace) = testkit::traced(BIN, &["--size", "100"]);
    run.success();
    assert_eq!(
        sends(&trace, "server"),
        [27, 100],
        "the greeting (27 bytes), then all 100 in one"
    );
    assert_eq!(trace.received("client"), everything(100));
}

#[test]
fn server_and_client_in_two_processes() {
    // Several times the buffers, and small enough that both traces (every byte, in hex)
    // are read in well under a second.
    let size = 300_000;
    let (server, server_trace) = testkit::traced_server(BIN, &["--size", "300000"]);
    let (run, client_trace) = lesson(BIN).client(server.addr).traced();
    run.success();
    server.finish().success();
    // (Not assert_eq!: a failure would print 300000 numbers twice.)
    let received = client_trace.received("client");
    assert!(
        received == everything(size),
        "{} bytes received",
        received.len()
    );
    let sent = server_trace.read().sent("server");
    assert!(sent == everything(size), "{} bytes sent", sent.len());
}

#[test]
fn a_raw_client_gets_every_byte_of_a_large_payload() {
    // What `nc 127.0.0.1 7006 > file` would get: the greeting, 4 MB, end of stream.
    let size = 4_000_000;
    let server = Server::start(BIN, &["--size", &size.to_string()]);
    let mut conn = Conn::open(server.addr);
    conn.expect("Grüße! 4000000 bytes follow.\n".as_bytes());
    let got = conn.read_to_end();
    assert_eq!(got.len(), size, "the payload's length");
    assert!(got == payload(size), "the payload bytes are not in order");
    server.finish().success();
}

#[test]
fn a_client_that_never_reads_gets_a_send_timeout_not_a_false_ok() {
    // The client connects and reads nothing. The buffers fill up, and send() waits for room.
    // SO_SNDTIMEO ends the wait: the first send() returns with PART of the payload taken, the
    // next one takes nothing and fails with a timeout, which send_all must report.
    let args = ["--size", "8000000", "--send-timeout-ms", "300"];
    let (server, trace) = testkit::traced_server(BIN, &args);
    let conn = Conn::open(server.addr);
    let run = server.finish();
    drop(conn);
    run.clean_failure();
    let trace = trace.read();
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("send_all"), "{errors:?}");
    assert!(trace.sent("server").len() < everything(8_000_000).len());
}

#[test]
fn a_client_that_leaves_makes_send_fail_cleanly_without_sigpipe() {
    // The client reads the greeting and closes with payload bytes unread: its kernel answers
    // with RST. The server's next send() reports "connection reset" or "broken pipe"; a C
    // program would be killed by SIGPIPE here, a Rust program gets an error.
    let (server, trace) = testkit::traced_server(BIN, &["--size", "8000000"]);
    let mut conn = Conn::open(server.addr);
    conn.expect("Grüße! 8000000 bytes follow.\n".as_bytes());
    drop(conn);
    let run = server.finish();
    assert!(run.code.is_some(), "killed by a signal (SIGPIPE?)");
    run.clean_failure();
    let errors = trace.read().errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("send_all"), "{errors:?}");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-06-send").check();
}

#[test]
fn the_book_shows_a_send_to_a_closed_peer() {
    BookOutput::new(BIN, "lesson-06-send")
        .variant(&["--peer-closes"], "output-peer-closes.txt")
        .exit_code(1)
        .check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    testkit::std_and_tokio_say("send", "the first write took fewer bytes than offered: true; the reader got all 8388616 bytes: true");
}
