//! Lesson 06's bulk mode (`--bulk`): a large transfer over loopback, every byte checked by the
//! client against the pattern, in constant memory on both sides, within a time limit.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, Run, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-06-send");

/// 64 MiB: far more than both processes may hold at their peak.
const SIZE: u64 = 64 * 1024 * 1024;

/// The most either process may hold at its peak (VmHWM), in MB. The transfer itself needs
/// a few MB; a side that built the payload whole would need more than 64.
const MAX_MB: f64 = 32.0;

/// The report line's peak memory, in MB: `bulk: sent N bytes in S s: G GB/s; peak memory M MB (VmHWM)`.
fn report(run: &Run, what: &str) -> (u64, Option<f64>) {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("bulk: {what} ")))
        .unwrap_or_else(|| panic!("no `bulk: {what}` line:\n{}", run.transcript()));
    let words: Vec<&str> = line.split_whitespace().collect();
    let bytes = words[2].parse().expect("a byte count");
    let mb = line
        .split("peak memory ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|mb| mb.parse().ok());
    (bytes, mb)
}

#[test]
fn a_bulk_transfer_arrives_whole_in_constant_memory() {
    let started = std::time::Instant::now();
    let size = SIZE.to_string();
    let server = Server::start(BIN, &["--bulk", "--quiet", "--size", &size]);
    // The client checks every byte against the pattern and fails on the first wrong one, or
    // if more or fewer bytes arrive than the greeting announced.
    let client = lesson(BIN)
        .client(server.addr)
        .args(&["--bulk", "--quiet"])
        .run();
    client.success();
    let server = server.finish();
    server.success();
    for (run, what) in [(&server, "sent"), (&client, "received")] {
        let (bytes, mb) = report(run, what);
        assert_eq!(bytes, SIZE, "{what}");
        if cfg!(target_os = "linux") {
            let mb = mb.expect("peak memory measured on Linux");
            assert!(
                mb < MAX_MB,
                "{what}: peak memory {mb} MB, more than {MAX_MB}"
            );
        }
    }
    // Generous (a loaded machine, a debug build): a stall or a byte-at-a-time loop fails it.
    let took = started.elapsed();
    assert!(took < testkit::timeout(), "took {took:?}");
}

#[test]
fn a_bulk_client_reports_a_short_transfer() {
    // A server that announces 10 bytes more than it sends: the client must say so, not succeed.
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all("Grüße! 1000 bytes follow.\n".as_bytes())
            .unwrap();
        let payload: Vec<u8> = (0..990).map(|i| (i % 251) as u8).collect();
        conn.write_all(&payload).unwrap();
    });
    let run = lesson(BIN).client(addr).args(&["--bulk", "--quiet"]).run();
    server.join().unwrap();
    run.clean_failure();
}

#[test]
fn a_bulk_client_catches_a_wrong_byte() {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all("Grüße! 1000 bytes follow.\n".as_bytes())
            .unwrap();
        let mut payload: Vec<u8> = (0..1000).map(|i| (i % 251) as u8).collect();
        payload[777] ^= 1;
        conn.write_all(&payload).unwrap();
    });
    let run = lesson(BIN).client(addr).args(&["--bulk", "--quiet"]).run();
    server.join().unwrap();
    run.clean_failure();
}

#[test]
fn the_plain_write_all_sender_speaks_the_same_protocol() {
    // cargo xtask bench compares lesson 06 with this example: its bytes must be the same.
    let server = Server::start(&testkit::example("bulk_write_all"), &["--size", "5000000"]);
    let client = lesson(BIN)
        .client(server.addr)
        .args(&["--bulk", "--quiet"])
        .run();
    client.success();
    assert_eq!(report(&client, "received").0, 5_000_000);
    server.finish().success();
}

#[test]
fn a_bulk_server_gives_up_on_a_client_that_never_reads() {
    // Autotuning grows the buffers, but not for ever: once they are full, SO_SNDTIMEO ends
    // the wait, and the server fails cleanly instead of hanging.
    let args = ["--bulk", "--quiet", "--size", "4000000000"];
    let server = Server::start(BIN, &[&args[..], &["--send-timeout-ms", "300"]].concat());
    let conn = testkit::Conn::open(server.addr);
    let run = server.finish();
    drop(conn);
    run.clean_failure();
}

#[test]
fn a_bulk_server_reports_a_client_that_leaves() {
    let server = Server::start(BIN, &["--bulk", "--quiet", "--size", "4000000000"]);
    let mut conn = testkit::Conn::open(server.addr);
    conn.expect("Grüße! 4000000000 bytes follow.\n".as_bytes());
    drop(conn);
    let run = server.finish();
    assert!(run.code.is_some(), "killed by a signal (SIGPIPE?)");
    run.clean_failure();
}
