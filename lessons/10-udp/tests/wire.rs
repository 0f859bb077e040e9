//! Lesson 10 with `--wire`: one datagram per send, nothing around it, checked for real. No
//! handshake, no ACK, no FIN; a datagram "lost on the way" (simulated) never reaches the wire;
//! a datagram to a port nobody can receive on is answered by ICMP port unreachable. The book's
//! copy of the capture (output-wire.txt) is compared with the varying numbers masked
//! (testkit::wire_mask).
//!
//! The capture needs a private network namespace (Linux). Where this machine refuses one, the
//! tests say so on stderr (and fail under CI=true, where the namespace must work).
#![cfg(target_os = "linux")]

use testkit::wire_mask::{assert_segments, check_wire_output, parse_wire, wire_run};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-10-udp");

#[test]
fn one_datagram_per_send_and_nothing_else() {
    let Some(run) = wire_run(BIN, &["--wire"]) else {
        return;
    };
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
        .map(|s| s.replace("127.0.0.1:40001", &unnamed(&run.stdout)))
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    // Each send_to's datagram follows the line that narrates it, at once.
    let lines: Vec<&str> = run.stdout.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let sent = line.starts_with("client  send_to(") && !line.contains("(simulated)");
        if sent {
            let next = lines.get(i + 1).and_then(|l| parse_wire(l));
            assert!(
                next.is_some_and(|s| s.kind == "UDP"),
                "a datagram must follow {line:?}:\n{}",
                run.stdout
            );
        }
    }
}

/// The address nobody is bound to, as the wire line names it (its port changes every run).
fn unnamed(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("client  -- nothing is bound to "))
        .unwrap_or_else(|| panic!("no empty port in:\n{stdout}"))
        .trim()
        .to_string()
}

#[test]
fn book_output_wire() {
    let Some(run) = wire_run(BIN, &["--wire"]) else {
        return;
    };
    check_wire_output(
        &run,
        "$ cargo run -p lesson-10-udp -- --wire",
        "output-wire.txt",
        false,
    );
}
