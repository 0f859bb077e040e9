#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

//! A storm: a thousand clients connect at once. The server is stopped while they connect, so
//! that only its accept queue holds them (testkit::storm): with the backlog the lesson asks
//! for (4096), every handshake completes at once; with tokio's `TcpListener::bind` (128, as
//! std), the 130th connect waits a second for a retry. Then every client must be answered.

use testkit::storm::{ask_each, backlog_in, connect_while_stopped};
use testkit::{Server, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-13-async");

/// More than tokio's (and std's) backlog of 128, fewer than the 4096 Linux grants by default.
const STORM: usize = 1000;

#[test]
fn a_storm_of_a_thousand_connects_fits_in_the_accept_queue_and_all_are_answered() {
    let trace = TraceFile::new();
    let mut server = Server::start(BIN, &["--quiet", "--trace", trace.path()]);

    let streams = connect_while_stopped(&server, STORM);
    let line = |k: usize| format!("storm client {k}\n").into_bytes();
    let answer = |k: usize| format!("1: STORM CLIENT {k}\n").into_bytes();
    assert_eq!(ask_each(streams, line, answer), STORM, "clients answered");

    server.stop();
    let backlog = backlog_in(&trace.read(), "server");
    assert!(backlog >= STORM, "the listener's backlog is {backlog}");
}
