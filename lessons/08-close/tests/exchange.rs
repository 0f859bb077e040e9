//! Lesson 08's exchange, checked for real: the half-close, the states each side passes
//! through, the RST of a close with unread bytes, and a client that forgets to half-close.
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
#[cfg(target_os = "linux")]
use testkit::trace::Event;
use testkit::{in_order, lesson, BookOutput, Conn, Server, Trace};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-08-close");

/// One side's story in the trace: the name of each call it made, and the TCP state of each
/// look at the kernel (`gone` once the kernel holds nothing for the socket).
fn story(trace: &Trace, who: &str) -> Vec<String> {
    let state = |text: &str| match text.split_whitespace().next() {
        Some("no") => "gone".to_string(),
        word => word.unwrap_or("").to_string(),
    };
    trace
        .of(who)
        .filter_map(|e| match e.kind.as_str() {
            "call" | "error" => Some(e.name().to_string()),
            "kernel" => Some(state(&e.text)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_demo_half_closes_then_answers_then_closes() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Part 1's request and answer, then part 2's unread bytes, byte for byte.
    assert_eq!(
        trace.sent("client"),
        b"one\ntwo\nthree\nnobody reads this\n"
    );
    assert_eq!(trace.received("server"), b"one\ntwo\nthree\n");
    assert_eq!(trace.sent("server"), b"three\ntwo\none\n");
    // The answer outlives the server's socket: close() does not throw sent bytes away.
    assert_eq!(trace.received("client"), b"three\ntwo\none\n");
    // The server read to the end of stream (an empty recv()), answered, and closed.
    in_order(
        &trace.calls("server"),
        &["socket", "accept", "recv", "recv", "write_all", "close"],
    );
    in_order(
        &trace.calls("client"),
        &[
            "connect",
            "setsockopt",
            "write_all",
            "recv",
            "close",
            "connect",
        ],
    );
    assert!(
        trace.errors("server").is_empty(),
        "{:?}",
        trace.errors("server")
    );
    assert!(
        trace.errors("client").is_empty(),
        "{:?}",
        trace.errors("client")
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_server_goes_listen_established_close_wait_gone() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // The client's FIN arrives with the request before it, all still unread: CLOSE_WAIT.
    in_order(
        &story(&trace, "server"),
        &[
            "LISTEN",
            "ESTABLISHED",
            "CLOSE_WAIT",
            "recv",
            "close",
            "gone",
        ],
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_client_that_closes_first_ends_in_time_wait() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Still open in our program, already TIME_WAIT in the kernel once both FINs have passed;
    // and still TIME_WAIT after close().
    in_order(
        &story(&trace, "client"),
        &[
            "ESTABLISHED",
            "write_all",
            "FIN_WAIT2",
            "TIME_WAIT",
            "recv",
            "close",
            "TIME_WAIT",
        ],
    );
}

#[cfg(target_os = "linux")]
#[test]
fn closing_with_unread_bytes_resets_the_connection() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Part 2: no FIN_WAIT, no TIME_WAIT: an RST ends the connection on both sides at once.
    let server = story(&trace, "server");
    let part2 = server.iter().rposition(|s| s == "accept").unwrap();
    in_order(&server[part2..], &["ESTABLISHED", "close", "gone"]);
    let client = story(&trace, "client");
    let part2 = client.iter().rposition(|s| s == "connect").unwrap();
    in_order(
        &client[part2..],
        &["write_all", "gone", "recv", "close", "gone"],
    );
}

#[cfg(target_os = "linux")]
#[test]
fn std_alone_shows_the_reset_too() {
    // The same fact without the lesson: the peer's recv() fails with ECONNRESET.
    use std::io::{ErrorKind, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_read_timeout(Some(testkit::timeout())).unwrap();
    let (server_side, _) = listener.accept().unwrap();
    client.write_all(b"unread\n").unwrap();
    // Wait until the bytes are in the server's receive queue, without sleeping: peek.
    let mut one = [0u8; 1];
    server_side
        .set_read_timeout(Some(testkit::timeout()))
        .unwrap();
    server_side.peek(&mut one).unwrap();
    drop(server_side);
    let err = testkit::uninterrupted(|| client.read(&mut [0u8; 16])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
}

/// A connection accepted (the call returned; its line is printed once it is in the trace).
#[cfg(target_os = "linux")]
fn accepted(e: &Event) -> bool {
    e.kind == "call" && e.name() == "accept"
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &["--timeout", "3"]);
    let (run, client_trace) = lesson(BIN)
        .client(server.addr)
        .args(&["--timeout", "3"])
        .traced();
    // The client prints the answer it got, one line at a time.
    run.success()
        .lines_in_order(&["answer: three", "answer: two", "answer: one"]);
    assert_eq!(client_trace.sent("client"), b"one\ntwo\nthree\n");
    assert_eq!(client_trace.received("client"), b"three\ntwo\none\n");
    server.finish().success();
    let trace = server_trace.read();
    assert_eq!(trace.received("server"), b"one\ntwo\nthree\n");
    assert_eq!(trace.sent("server"), b"three\ntwo\none\n");
    in_order(
        &trace.calls("server"),
        &["socket", "accept", "recv", "write_all", "close", "close"],
    );
    if cfg!(target_os = "linux") {
        // In two processes the client may have sent its FIN before the server looks, so right
        // after accept() the server's side is ESTABLISHED or already CLOSE_WAIT (the demo,
        // one call at a time, always shows ESTABLISHED first).
        let story = story(&trace, "server");
        in_order(&story, &["LISTEN", "recv", "CLOSE_WAIT", "close", "gone"]);
        let accepted = story.iter().position(|s| s == "accept").unwrap();
        let after_accept = story[accepted + 1].as_str();
        assert!(
            matches!(after_accept, "ESTABLISHED" | "CLOSE_WAIT"),
            "after accept(): {story:?}"
        );
    }
}

#[test]
fn a_raw_client_half_closes_and_still_reads_the_answer() {
    let server = Server::start(BIN, &["--timeout", "3"]);
    let mut conn = Conn::open(server.addr);
    // Two sends, then FIN: the server must read to the end of stream, not to the first recv.
    conn.send(b"a\nb\n");
    conn.send(b"c\n").shutdown_write();
    // Our sending direction is closed; the other one still carries the answer.
    conn.expect(b"c\nb\na\n").expect_eof();
    server.finish().success();
}

#[test]
fn a_last_line_without_newline_still_counts() {
    let server = Server::start(BIN, &["--timeout", "3"]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"first\nlast").shutdown_write();
    conn.expect(b"last\nfirst\n").expect_eof();
    server.finish().success();
}

// Clients that misbehave: each is reported and closed, and the next client is served,
// promptly. (testkit's battery, in tests/hostile.rs, adds more.)

/// A normal client's whole exchange.
fn polite(addr: std::net::SocketAddr) {
    let mut conn = Conn::open(addr);
    conn.send(b"one\ntwo\n").shutdown_write();
    conn.expect(b"two\none\n").expect_eof();
}

/// Start a server for one (polite) client with a 1 s limit; let `rude` do its worst; check
/// that the polite client is then served within `RUDE_BOUND`, and `check` the server's trace.
#[track_caller]
fn survives(rude: impl FnOnce(std::net::SocketAddr), check: impl FnOnce(&Trace)) -> Duration {
    let (server, trace) = testkit::traced_server(BIN, &["--timeout", "1"]);
    let started = Instant::now();
    rude(server.addr);
    polite(server.addr);
    let took = started.elapsed();
    let run = server.finish();
    run.success();
    let trace = trace.read();
    // The polite client was served in full, after the rude one.
    let sent = trace.sent("server");
    assert!(
        sent.ends_with(b"two\none\n"),
        "{:?}",
        String::from_utf8_lossy(&sent)
    );
    check(&trace);
    assert!(
        took < RUDE_BOUND,
        "the next client waited {took:?}\n{}",
        run.transcript()
    );
    took
}

/// The server's one error: the rude client's recv() failed (timed out, or reset).
fn gave_up_waiting(trace: &Trace) {
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
}

/// The server's one error came after it had read the limit, and not much more: it checks
/// before it keeps the bytes.
fn refused_over_the_limit(trace: &Trace) {
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let read = trace.received("server").len() - b"one\ntwo\n".len();
    assert!(
        (65_536..=65_536 + 1024).contains(&read),
        "read {read} bytes"
    );
}

/// The 1 s limit the rude tests give, and room for a loaded machine.
const RUDE_BOUND: Duration = Duration::from_secs(3);

#[test]
fn a_client_that_never_half_closes_is_cut_off_and_the_server_goes_on() {
    // The mistake of the wrong solution, made by hand: the request, but no FIN.
    let mut rude = None;
    let took = survives(
        |addr| {
            let mut conn = Conn::open(addr);
            conn.send(b"one\n");
            rude = Some(conn);
        },
        gave_up_waiting,
    );
    assert!(
        took >= Duration::from_millis(900),
        "cut off too early: {took:?}"
    );
    // Closed with our bytes read: a FIN, not a reset.
    rude.unwrap().expect_eof();
}

#[test]
fn a_request_over_the_limit_is_refused_and_the_server_goes_on() {
    // 70 000 bytes without FIN: the server stops reading at 64 KiB and says why.
    survives(
        |addr| {
            let mut conn = Conn::open(addr);
            let _ = conn.try_send(&vec![b'x'; 70_000]);
        },
        refused_over_the_limit,
    );
}

#[test]
fn a_client_that_trickles_is_cut_off_at_the_deadline() {
    // A byte every 300 ms: a receive timeout per recv() (1 s) would never fire.
    let took = survives(
        |addr| Conn::open(addr).trickle(40, Duration::from_millis(300)),
        gave_up_waiting,
    );
    assert!(
        took >= Duration::from_millis(900),
        "cut off too early: {took:?}"
    );
}

#[test]
fn a_client_that_resets_is_reported_and_the_server_goes_on() {
    survives(
        |addr| {
            // SO_LINGER with a time of 0: close() sends RST instead of FIN.
            let conn = socket2::Socket::from(Conn::open(addr).stream().try_clone().unwrap());
            conn.send(b"one\n").unwrap();
            conn.set_linger(Some(Duration::ZERO)).unwrap();
        },
        gave_up_waiting,
    );
}

#[test]
fn a_client_that_closes_at_once_is_served_an_empty_answer() {
    // Connect and close: an empty request, complete (its end of stream came at once). It
    // counts as served, so this server serves two.
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "2", "--timeout", "1"]);
    drop(Conn::open(server.addr));
    polite(server.addr);
    server.finish().success();
    let trace = trace.read();
    assert!(
        trace.errors("server").is_empty(),
        "{:?}",
        trace.errors("server")
    );
    // The first client's request and answer are empty; the second's are whole.
    assert_eq!(trace.received("server"), b"one\ntwo\n");
    assert_eq!(trace.sent("server"), b"two\none\n");
    in_order(
        &trace.calls("server"),
        &["accept", "recv", "write_all", "close", "accept", "recv"],
    );
}

#[test]
#[cfg(target_os = "linux")]
fn a_stop_and_continue_does_not_drop_the_client() {
    // Ctrl-Z and `fg` while the server waits in recv(): it fails with EINTR (signal(7)).
    let (mut server, trace) = testkit::traced_server(BIN, &["--timeout", "5"]);
    let mut conn = Conn::open(server.addr);
    trace.wait_for(&mut server, 1, accepted);
    let pid = server.pid();
    let wchan = format!("/proc/{pid}/wchan");
    let deadline = Instant::now() + testkit::timeout();
    while std::fs::read_to_string(&wchan).unwrap_or_default() != "wait_woken" {
        assert!(
            Instant::now() < deadline,
            "the server never waited in recv()"
        );
        std::thread::yield_now();
    }
    testkit::hostile::kill("STOP", pid);
    testkit::hostile::kill("CONT", pid);
    conn.send(b"a\nb\n").shutdown_write();
    conn.expect(b"b\na\n").expect_eof();
    server.finish().success();
    let trace = trace.read();
    assert!(
        trace.errors("server").is_empty(),
        "{:?}",
        trace.errors("server")
    );
}

#[test]
#[cfg(target_os = "linux")]
fn running_out_of_descriptors_does_not_end_the_server() {
    use testkit::hostile::{accept_recovered, out_of_descriptors};
    // The running server's soft descriptor limit set to its lowest free descriptor: accept()
    // fails with EMFILE. It must say so, wait (not spin), and serve once the limit is back.
    let (mut server, trace) = testkit::traced_server(BIN, &["--timeout", "1"]);
    // The first connection gets in (and, silent, is cut after 1 s); the next one waits.
    let (_first, mut conn) = out_of_descriptors(&mut server, &trace);
    conn.send(b"a\nb\n").shutdown_write();
    conn.expect(b"b\na\n").expect_eof();
    server.finish().success();
    accept_recovered(&trace.read());
}

#[test]
fn a_server_for_ever_serves_clients_after_rude_ones() {
    let (mut server, trace) = testkit::traced_server(BIN, &["--clients", "0", "--timeout", "1"]);
    for _ in 0..3 {
        let _ = Conn::open(server.addr).try_send(&vec![b'x'; 70_000]);
        polite(server.addr);
    }
    assert!(server.is_running());
    server.stop();
    // Three refusals, three answers.
    let trace = trace.read();
    assert_eq!(
        trace.errors("server").len(),
        3,
        "{:?}",
        trace.errors("server")
    );
    assert_eq!(trace.sent("server"), b"two\none\n".repeat(3));
}

#[test]
fn a_bad_timeout_is_an_error() {
    Command::new(BIN)
        .args(["server", "--addr", "127.0.0.1:0", "--timeout", "soon"])
        .timeout(testkit::timeout())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--timeout soon: not a valid value",
        ));
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-08-close").check();
}

#[test]
fn the_book_shows_a_client_that_forgets_the_half_close() {
    BookOutput::new(BIN, "lesson-08-close")
        .variant(&["--rude"], "output-rude.txt")
        .check();
}

#[test]
fn the_demo_cuts_a_client_that_never_half_closes() {
    let started = Instant::now();
    let (run, trace) = testkit::traced(BIN, &["--rude"]);
    run.success();
    // Part 3: the client's request without FIN; the server read it, gave up, sent nothing.
    assert!(trace.sent("client").ends_with(b"nobody reads this\none\n"));
    assert!(trace.received("server").ends_with(b"three\none\n"));
    assert_eq!(
        trace.sent("server"),
        b"three\ntwo\none\n",
        "no answer to part 3"
    );
    // No answer: the server closed, and the client read an empty answer to its end of stream.
    assert_eq!(trace.received("client"), b"three\ntwo\none\n");
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
    in_order(&trace.calls("server"), &["recv", "close", "close"]);
    // Cut at the 1 s deadline, not at the client's own 3 s timeout.
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "{:?}",
        started.elapsed()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_process_that_dies_closes_its_connections_with_fin() {
    // SIGKILL: the process cannot run another instruction, but its kernel closes its
    // descriptors as close() would: FIN (nothing was left unread), so the peer reads the end
    // of stream, not a reset.
    let (mut server, trace) = testkit::traced_server(BIN, &["--timeout", "10"]);
    let mut conn = Conn::open(server.addr);
    trace.wait_for(&mut server, 1, accepted);
    testkit::hostile::kill("KILL", server.pid());
    conn.expect_eof();
    let _ = server.stop();
}

#[cfg(target_os = "linux")]
#[test]
fn a_process_that_dies_with_bytes_unread_resets() {
    // The same death with bytes waiting unread: the kernel's close sends RST, as close() would.
    use std::io::{ErrorKind, Read};
    let (mut server, trace) = testkit::traced_server(BIN, &["--timeout", "10"]);
    let mut conn = Conn::open(server.addr);
    trace.wait_for(&mut server, 1, accepted);
    testkit::hostile::kill("STOP", server.pid());
    // A stop takes effect when the process next runs: wait until it is stopped ('T' in
    // /proc/PID/stat), or it might still read the bytes sent next.
    let stat = format!("/proc/{}/stat", server.pid());
    let deadline = Instant::now() + testkit::timeout();
    while std::fs::read_to_string(&stat)
        .unwrap_or_default()
        .rsplit_once(") ")
        .is_none_or(|(_, rest)| !rest.starts_with('T'))
    {
        assert!(Instant::now() < deadline, "the server never stopped");
        std::thread::yield_now();
    }
    conn.send(b"unread\n");
    // While it is stopped, wait until the kernel has acknowledged the bytes (they sit unread
    // in the server's receive queue): our send queue is empty again.
    let local = conn.stream().local_addr().unwrap();
    let deadline = Instant::now() + testkit::timeout();
    while !matches!(common::kernel::lookup(local, Some(server.addr)),
        common::kernel::View::Found(e) if e.tx_queue == 0)
    {
        assert!(
            Instant::now() < deadline,
            "the bytes were never acknowledged"
        );
        std::thread::yield_now();
    }
    testkit::hostile::kill("KILL", server.pid());
    let err = testkit::uninterrupted(|| conn.stream().read(&mut [0u8; 16])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    let _ = server.stop();
}

#[test]
fn so_linger_zero_resets_even_with_nothing_unread() {
    // An abortive close: SO_LINGER on with a time of 0. RST at once, whatever the queues hold.
    use std::io::{ErrorKind, Read};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_read_timeout(Some(testkit::timeout())).unwrap();
    let (server_side, _) = listener.accept().unwrap();
    let server_side = socket2::Socket::from(server_side);
    server_side.set_linger(Some(Duration::ZERO)).unwrap();
    drop(server_side);
    let err = testkit::uninterrupted(|| client.read(&mut [0u8; 16])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    testkit::std_and_tokio_say(
        "close",
        r#"server got "one\ntwo\nthree\n", client got "three\ntwo\none\n""#,
    );
}

#[test]
fn writing_after_a_half_close_is_a_broken_pipe() {
    use std::io::{ErrorKind, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let _server_side = listener.accept().unwrap();
    client.shutdown(std::net::Shutdown::Write).unwrap();
    let err = client.write_all(b"more").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
}

#[test]
fn writing_to_a_closed_peer_fails_soon_after() {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server_side, _) = listener.accept().unwrap();
    drop(server_side);
    // The first writes may still succeed: the peer's RST has to come back first. No sleep:
    // keep writing until the error arrives, within the test's timeout.
    let deadline = Instant::now() + testkit::timeout();
    let err = loop {
        match client.write(b"x") {
            Ok(_) if Instant::now() < deadline => continue,
            Ok(_) => panic!("writing to a closed peer never failed"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{err}"
    );
}
