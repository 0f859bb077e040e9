//! Lesson 06 with `--wire`: what the window does while the client reads nothing, checked for
//! real. The client's ACKs announce a shrinking window while its buffer fills; the server's
//! send() fails with EAGAIN; once the client reads, its kernel announces room again and the
//! rest of the payload flows. How the bytes are cut into segments, and whether an ACK says
//! `win 0` on the way, depends on timers and buffer sizes: the book's copy of the capture
//! (output-wire.txt) is compared on its narration, and on the segments only here.
//!
//! The capture needs a private network namespace (Linux). Where this machine refuses one, the
//! tests say so on stderr (and fail under CI=true, where the namespace must work).
// Reference build only: the exercise's own checks are in tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

use testkit::wire_mask::{check_book_wire, parse_wire, wire_run, Segment};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-06-send");

/// The greeting, then 1 MiB: the payload bytes the server puts on the wire.
const TOTAL: usize = 31 + 1024 * 1024;

#[test]
fn the_window_shrinks_while_the_client_reads_nothing_then_opens() {
    let Some(run) = wire_run(BIN, &["--wire"]) else {
        return;
    };
    let out = &run.stdout;
    let lines: Vec<&str> = out.lines().collect();
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?}:\n{out}"))
    };
    let between = |from: usize, to: usize| -> Vec<Segment> {
        lines[from..to]
            .iter()
            .filter_map(|l| parse_wire(l))
            .collect()
    };
    let client_windows = |segments: &[Segment]| -> Vec<u64> {
        segments
            .iter()
            .filter(|s| s.way == "client > server" && s.kind == "[.]")
            .filter_map(|s| s.win)
            .collect()
    };
    // Until the server's send() fails with EAGAIN, the client reads nothing of the payload.
    let eagain = at("WouldBlock (EAGAIN)");
    let drain = at("server  send(the rest), again and again");
    let before = between(0, eagain);
    let windows = client_windows(&before);
    let (Some(&last), Some(&largest)) = (windows.last(), windows.iter().max()) else {
        panic!("no ACK from the client before EAGAIN:\n{out}");
    };
    assert!(
        last < largest,
        "while the client reads nothing, the window it announces must shrink \
         (windows {windows:?}):\n{out}"
    );
    let sent_before: usize = before
        .iter()
        .filter(|s| s.way == "server > client")
        .map(|s| s.len)
        .sum();
    assert!(
        sent_before < TOTAL,
        "the window must hold back part of the payload until the client reads:\n{out}"
    );
    // Once the client reads, its kernel announces a larger window, and data follows it.
    let after = between(drain, lines.len());
    let opened = after
        .iter()
        .position(|s| s.way == "client > server" && s.win.is_some_and(|w| w > last))
        .unwrap_or_else(|| panic!("the window never opened again:\n{out}"));
    assert!(
        after[opened..]
            .iter()
            .any(|s| s.way == "server > client" && s.len > 0),
        "no data after the window opened:\n{out}"
    );
    // Every byte went on the wire once (a resent segment counted once), then the FIN.
    let mut seen = Vec::new();
    let mut total = 0;
    for s in before.iter().chain(&after) {
        if s.way == "server > client" && s.len > 0 && !seen.contains(&s.seq) {
            seen.push(s.seq);
            total += s.len;
        }
    }
    assert_eq!(total, TOTAL, "payload bytes on the wire:\n{out}");
    assert!(
        after
            .iter()
            .any(|s| s.way == "server > client" && s.kind == "[F.]"),
        "no FIN from the server:\n{out}"
    );
}

#[test]
fn book_output_wire() {
    // How the payload is cut into segments depends on timers and buffers: narration only.
    check_book_wire(BIN, true);
}
