#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

//! A storm: a thousand clients connect at once, a request each. The server is stopped while
//! they connect, so that only its accept queue holds them (testkit::storm): with the backlog
//! the lesson asks for (4096), every handshake completes at once; with std's 128, the 130th
//! connect waits a second for a retry. Then every client must get its 200.

use testkit::storm::{ask_each, backlog_in, connect_while_stopped};
use testkit::{Server, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-14-http");

/// More than std's backlog of 128, fewer than the 4096 Linux grants by default.
const STORM: usize = 1000;

#[test]
fn a_storm_of_a_thousand_connects_fits_in_the_accept_queue_and_all_are_answered() {
    let trace = TraceFile::new();
    let count = STORM.to_string();
    let args = ["--quiet", "--max", &count, "--trace", trace.path()];
    let server = Server::start(BIN, &args);

    let streams = connect_while_stopped(&server, STORM);
    let request = |_| b"GET /hello HTTP/1.1\r\nHost: storm\r\n\r\n".to_vec();
    let status = |_| b"HTTP/1.1 200 OK\r\n".to_vec();
    assert_eq!(
        ask_each(streams, request, status),
        STORM,
        "clients answered"
    );

    server.finish().success();
    let backlog = backlog_in(&trace.read(), "server");
    assert!(backlog >= STORM, "the listener's backlog is {backlog}");
}
