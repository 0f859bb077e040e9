//! Lesson 10 with `--wire`: one datagram per send, nothing around it, checked for real. No
//! handshake, no ACK, no FIN; a datagram "lost on the way" (simulated) never reaches the wire;
//! a datagram to a port nobody can receive on is answered by ICMP port unreachable. The book's
//! copy of the capture (output-wire.txt) is compared with the varying numbers masked
//! (testkit::wire_mask).
//!
//! The capture needs a private network namespace (Linux). Where this machine refuses one, the
//! tests say so on stderr (and fail under CI=true, where the namespace must work).
// Reference build only: the exercise's own checks are in tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

use testkit::wire_mask::{assert_segments, check_book_wire, parse_wire, wire_run};
use testkit::{Trace, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-10-udp");

#[test]
fn one_datagram_per_send_and_nothing_else() {
    let trace = TraceFile::new();
    let Some(run) = wire_run(BIN, &["--wire", "--trace", trace.path()]) else {
        return;
    };
    let trace = trace.read();
    assert_segments(
        &run,
        &[
            "client > server UDP len 5",
            "client > server UDP len 5",
            "client > server UDP len 7",
            "server > client UDP len 5",
            "server > client UDP len 5",
            "server > client UDP len 7",
            "client > server UDP len 102",
            // "5 five", lost on the way (simulated), is not on the wire: only its retry.
            "client > server UDP len 6",
            "server > client UDP len 6",
            "client > server UDP len 5",
            "server > client UDP len 5",
            "client > server UDP len 5",
            "server > client UDP len 5",
            "client > server UDP len 7",
            "server > client UDP len 7",
            // The stranger's datagram to the connected socket, refused by its kernel.
            "client > client UDP len 4",
            "127.0.0.1 > 127.0.0.1 ICMP port unreachable",
            "client > server UDP len 7",
            "server > client UDP len 7",
            // To a port where nothing is bound.
            "client > 127.0.0.1:40001 UDP len 7",
            "127.0.0.1 > 127.0.0.1 ICMP port unreachable",
        ]
        .map(|s| s.replace("127.0.0.1:40001", &unnamed(&trace)))
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    // Each send_to that sent (its bytes are in the trace) is followed at once by its datagram
    // on the wire; the simulated losses sent nothing, and nothing follows them.
    let events = &trace.events;
    for (i, call) in events.iter().enumerate() {
        if !(call.who == "client" && call.kind == "call" && call.name() == "send_to") {
            continue;
        }
        let mut after = events[i + 1..].iter();
        let sent = after
            .clone()
            .take_while(|e| !(e.who == "client" && e.kind == "call"))
            .any(|e| e.who == "client" && e.kind == "send");
        let next = after.next().filter(|e| e.kind == "wire");
        let datagram = next.and_then(|e| parse_wire(&e.text));
        assert_eq!(
            datagram.is_some_and(|s| s.kind == "UDP"),
            sent,
            "after {:?} (sent: {sent}):\n{}",
            call.call,
            run.stdout
        );
    }
}

/// The address nobody is bound to: where the client's last connect() pointed (its port
/// changes every run).
fn unnamed(trace: &Trace) -> String {
    let connect = trace
        .of("client")
        .filter(|e| e.kind == "call" && e.name() == "connect")
        .last()
        .expect("the client's connect() to the empty port");
    let inside = connect.call.trim_start_matches("connect(");
    inside.trim_end_matches(')').to_string()
}

#[test]
fn book_output_wire() {
    check_book_wire(BIN, false);
}
