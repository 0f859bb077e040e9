//! Lesson 08 with `--wire`: the segments shutdown() and close() put on the wire, checked for
//! real. shutdown(Write) sends FIN and the server still answers; close() with unread bytes
//! sends RST instead of FIN. The book's copy of the capture (output-wire.txt) is compared with
//! the varying numbers masked (testkit::wire_mask).
//!
//! The capture needs a private network namespace (Linux). Where this machine refuses one, the
//! tests say so on stderr (and fail under CI=true, where the namespace must work).
// Reference build only: the exercise's own checks are in tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

use testkit::wire_mask::{assert_segments, check_book_wire, parse_wire, wire_run};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-08-close");

#[test]
fn shutdown_sends_fin_and_close_with_unread_bytes_sends_rst() {
    let Some(run) = wire_run(BIN, &["--wire"]) else {
        return;
    };
    assert_segments(
        &run,
        &[
            // Part 1: the half-close.
            "client > server [S]",
            "server > client [S.]",
            "client > server [.]",
            "client > server [P.] len 14",
            "client > server [F.]",
            "server > client [P.] len 14",
            "server > client [F.]",
            // Part 2: unread bytes.
            "client > server [S]",
            "server > client [S.]",
            "client > server [.]",
            "client > server [P.] len 18",
            "server > client [R.]",
        ],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?}:\n{}", run.stdout))
    };
    // Each call's segments come before the next call is narrated.
    let segments_between = |from: &str, to: &str| -> Vec<String> {
        lines[at(from)..at(to)]
            .iter()
            .filter_map(|l| parse_wire(l))
            .map(|s| s.to_string())
            .collect()
    };
    let shutdown = segments_between("client  shutdown(Write)", "server  recv(");
    assert!(
        shutdown.iter().any(|s| s == "client > server [F.]"),
        "shutdown(Write) must send the client's FIN before the server reads:\n{}",
        run.stdout
    );
    // The server's FIN comes from its own half-close, in the lingering close, not from close().
    let linger = segments_between("server  shutdown(Write)", "server  close(connection)");
    assert!(
        linger.iter().any(|s| s == "server > client [F.]"),
        "the server's shutdown(Write) must send its FIN:\n{}",
        run.stdout
    );
    let close = segments_between("close(connection, unread bytes)", "client  recv(1024)");
    assert!(
        close.iter().any(|s| s == "server > client [R.]")
            && !close.iter().any(|s| s.contains("[F")),
        "close() with unread bytes must send RST, not FIN:\n{}",
        run.stdout
    );
}

#[test]
fn book_output_wire() {
    check_book_wire(BIN, false);
}
