//! Lesson 05 with `--wire`: the segments connect() puts on the wire, checked for real. The
//! handshake happens inside connect(), before accept(); a connect to a port where nobody
//! listens is answered by RST, which is where ECONNREFUSED comes from. The book's copy of the
//! capture (output-wire.txt) is compared with the varying numbers masked (testkit::wire_mask).
//!
//! The capture needs a private network namespace (Linux). Where this machine refuses one, the
//! tests say so on stderr (and fail under CI=true, where the namespace must work).
// Reference build only: the exercise's own checks are in tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

use testkit::wire_mask::{assert_segments, check_book_wire, wire_run};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-05-connect");

/// Where a line containing `text` is in the output (the first one).
fn at(stdout: &str, text: &str) -> usize {
    stdout
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?}:\n{stdout}"))
}

#[test]
fn the_handshake_happens_in_connect_and_a_refused_connect_meets_rst() {
    let Some(run) = wire_run(BIN, &["--wire"]) else {
        return;
    };
    assert_segments(
        &run,
        &[
            "client > server [S]",
            "server > client [S.]",
            "client > server [.]",
            "client > server [P.] len 6",
            "server > client [P.] len 30",
            "client > server [F.]",
            "server > client [F.]",
            // The second connect, to a port where nobody listens.
            "client > server [S]",
            "server > client [R.]",
        ],
    );
    let out = &run.stdout;
    // SYN, SYN-ACK, ACK: right after connect() returned, before the server's accept().
    let connect = at(out, "client  connect(");
    let syn = at(out, "[S]");
    let ack = at(out, "[.]");
    assert_eq!(connect + 1, syn, "the SYN must follow connect():\n{out}");
    assert!(
        ack < at(out, "server  accept()"),
        "the handshake must be over before accept():\n{out}"
    );
    // The SYN carries the options both sides agree on.
    let syn_line = out.lines().nth(syn).unwrap();
    for option in ["mss ", "sackOK", "TS", "wscale "] {
        assert!(
            syn_line.contains(option),
            "the SYN has no {option}: {syn_line}"
        );
    }
    // The refused connect: its SYN and the RST follow the call that failed.
    let refused = at(out, "-> error: connection refused");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[refused + 1].contains("[S]") && lines[refused + 2].contains("[R.]"),
        "the refused connect must show [S] then [R.]:\n{out}"
    );
}

#[test]
fn book_output_wire() {
    check_book_wire(BIN, false);
}
