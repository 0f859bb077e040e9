#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 21's exchange: the echo server, the stall that TCP_NODELAY removes (measured by the
//! client's rounds), the options read back from the kernel.

use std::time::Duration;

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-21-options");

/// The client's `round N: X ms` lines, rounds 2 and later (round 1 may be quick-ACKed).
fn later_rounds(stdout: &str) -> Vec<Duration> {
    let times: Vec<Duration> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("round "))
        .filter_map(|l| l.split(": ").nth(1)?.strip_suffix(" ms")?.parse().ok())
        .map(Duration::from_millis)
        .collect();
    assert_eq!(times.len(), 4, "four rounds:\n{stdout}");
    times[1..].to_vec()
}

#[test]
fn book_output() {
    BookOutput::new(BIN, "lesson-21-options").check();
}

#[test]
fn the_demo_moves_its_requests_and_echoes() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Eight rounds: four with Nagle, four without.
    assert_eq!(trace.sent("client"), b"ping \n".repeat(8));
    assert_eq!(trace.received("server"), b"ping \n".repeat(8));
    assert_eq!(trace.sent("server"), b"ping \n".repeat(8));
}

#[test]
fn the_server_echoes_lines() {
    let server = Server::start(BIN, &[]);
    Conn::open(server.addr)
        .send(b"hello\n")
        .expect(b"hello\n")
        .shutdown_write()
        .expect_eof();
}

#[test]
fn a_tuned_client_never_waits_for_a_delayed_ack() {
    let server = Server::start(BIN, &[]);
    let run = lesson(BIN).client(server.addr).run();
    run.success()
        .stdout_has("TCP_NODELAY: on")
        .stdout_has("SO_KEEPALIVE: on");
    // The fastest of rounds 2-4: a stalled round takes 40 ms or more (the delayed-ACK timer),
    // one without a stall well under 30 ms even on a loaded machine.
    let fastest = *later_rounds(&run.stdout).iter().min().unwrap();
    assert!(
        fastest < Duration::from_millis(30),
        "with TCP_NODELAY no round should wait for a delayed ACK; the fastest took {fastest:?}\n{}",
        run.transcript()
    );
}

/// Linux's delayed ACK is at least 40 ms (TCP_DELACK_MIN); other systems differ.
#[cfg(target_os = "linux")]
#[test]
fn with_nagle_each_later_round_waits_for_the_delayed_ack() {
    let server = Server::start(BIN, &[]);
    let run = lesson(BIN).client(server.addr).args(&["--nagle"]).run();
    run.success().stdout_has("TCP_NODELAY: off");
    let fastest = *later_rounds(&run.stdout).iter().min().unwrap();
    assert!(
        fastest >= Duration::from_millis(35),
        "with Nagle on, rounds 2-4 should each wait for the delayed ACK; the fastest took {fastest:?}"
    );
}
