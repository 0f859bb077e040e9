//! Lesson 08's exchange, checked for real: the half-close, the states each side passes
//! through, the RST of a close with unread bytes, and a client that forgets to half-close.
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-08-close");

#[test]
fn the_demo_half_closes_then_answers_then_closes() {
    lesson(BIN).run().success().lines_in_order(&[
        "lesson  -- part 1",
        "client  connect(127.0.0.1:",
        "server  accept() -> ok",
        "client  write_all(b\"one\\ntwo\\nthree\\n\") + shutdown(Write) -> ok",
        "server  recv(1024) -> 14 bytes: b\"one\\ntwo\\nthree\\n\"",
        "server  recv(1024) -> 0 bytes: end of stream, the request is complete",
        "server  write_all(b\"three\\ntwo\\none\\n\") -> 14 bytes",
        "server  close(connection) -> ok",
        // The answer outlives the server's socket: close() does not throw sent bytes away.
        "client  recv() until it returns 0 -> 14 bytes: b\"three\\ntwo\\none\\n\", then end of stream",
        "client  close(client socket) -> ok",
        "lesson  -- part 2",
        "client  write_all(b\"nobody reads this\\n\") -> 18 bytes",
        "server  close(connection, unread bytes) -> ok",
        "server  close(listener) -> ok",
    ]);
}

#[cfg(target_os = "linux")]
#[test]
fn the_server_goes_listen_established_close_wait_gone() {
    lesson(BIN).run().success().lines_in_order(&[
        "server  kernel: LISTEN 127.0.0.1:",
        "server  kernel: ESTABLISHED 127.0.0.1:",
        // The client's FIN has arrived, with the request before it, all still unread.
        "server  kernel: CLOSE_WAIT 127.0.0.1:",
        "server  recv(1024) -> 0 bytes: end of stream",
        "server  close(connection) -> ok",
        "server  kernel: no TCP entry",
    ]);
}

#[cfg(target_os = "linux")]
#[test]
fn the_client_that_closes_first_ends_in_time_wait() {
    lesson(BIN).run().success().lines_in_order(&[
        "client  kernel: ESTABLISHED 127.0.0.1:",
        "client  write_all(b\"one\\ntwo\\nthree\\n\") + shutdown(Write) -> ok",
        "client  kernel: FIN_WAIT2 127.0.0.1:",
        "server  close(connection) -> ok",
        // Still open in our program, already TIME_WAIT in the kernel: both FINs have passed.
        "client  kernel: TIME_WAIT 127.0.0.1:",
        "client  recv() until it returns 0 -> 14 bytes",
        "client  close(client socket) -> ok",
        "client  kernel: TIME_WAIT 127.0.0.1:",
    ]);
}

#[cfg(target_os = "linux")]
#[test]
fn closing_with_unread_bytes_resets_the_connection() {
    lesson(BIN).run().success().lines_in_order(&[
        "lesson  -- part 2",
        "server  kernel: ESTABLISHED 127.0.0.1:",
        "server  close(connection, unread bytes) -> ok",
        // No FIN_WAIT, no TIME_WAIT: an RST ends the connection on both sides at once.
        "server  kernel: no TCP entry",
        "client  kernel: no TCP entry",
        "client  recv(1024) -> error: connection reset by peer: the server's kernel sent RST",
    ]);
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

#[test]
fn server_and_client_in_two_processes() {
    let server = Server::start(BIN, &["--timeout", "3"]);
    lesson(BIN)
        .client(server.addr)
        .args(&["--timeout", "3"])
        .run()
        .success()
        .lines_in_order(&[
            "client  connect(",
            "client  write_all(b\"one\\ntwo\\nthree\\n\") + shutdown(Write) -> ok",
            "client  recv() until it returns 0 -> 14 bytes: b\"three\\ntwo\\none\\n\", then end of stream",
            "answer: three",
            "answer: two",
            "answer: one",
            "client  close(client socket) -> ok",
        ]);
    let run = server.finish();
    run.success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  accept() -> ok",
        "server  recv(1024) -> 0 bytes: end of stream, the request is complete",
        "server  write_all(b\"three\\ntwo\\none\\n\") -> 14 bytes",
        "server  close(connection) -> ok",
        "server  close(listener) -> ok",
    ]);
    if cfg!(target_os = "linux") {
        // In two processes the client may have sent its FIN before the server looks, so right
        // after accept() the server's side is ESTABLISHED or already CLOSE_WAIT (the demo,
        // one call at a time, always shows ESTABLISHED first).
        run.lines_in_order(&[
            "server  kernel: LISTEN",
            "server  recv(1024) -> 0 bytes: end of stream",
            "server  kernel: CLOSE_WAIT",
            "server  kernel: no TCP entry",
        ]);
        let after_accept = run
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with("server  accept()"))
            .nth(1)
            .unwrap_or("");
        assert!(
            after_accept.contains("kernel: ESTABLISHED")
                || after_accept.contains("kernel: CLOSE_WAIT"),
            "after accept(): {after_accept:?}\n{}",
            run.transcript()
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
/// that the polite client is then served within `RUDE_BOUND`, and that the server said
/// `reported` about the rude one.
#[track_caller]
fn survives(rude: impl FnOnce(std::net::SocketAddr), reported: &str) -> Duration {
    let server = Server::start(BIN, &["--timeout", "1"]);
    let started = Instant::now();
    rude(server.addr);
    polite(server.addr);
    let took = started.elapsed();
    let run = server.finish();
    run.success().stdout_has(reported);
    assert!(
        took < RUDE_BOUND,
        "the next client waited {took:?}\n{}",
        run.transcript()
    );
    took
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
        "recv(1024) -> error: timed out",
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
        "the request is longer than 65536 bytes",
    );
}

#[test]
fn a_client_that_trickles_is_cut_off_at_the_deadline() {
    // A byte every 300 ms: a receive timeout per recv() (1 s) would never fire.
    let took = survives(
        |addr| {
            let mut conn = Conn::open(addr);
            std::thread::spawn(move || {
                for _ in 0..40 {
                    if conn.try_send(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
            });
        },
        "recv(1024) -> error: timed out",
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
        "connection reset by peer",
    );
}

#[test]
fn a_client_that_closes_at_once_is_served_an_empty_answer() {
    // Connect and close: an empty request, complete (its end of stream came at once). It
    // counts as served, so this server serves two.
    let server = Server::start(BIN, &["--clients", "2", "--timeout", "1"]);
    drop(Conn::open(server.addr));
    polite(server.addr);
    server.finish().success().lines_in_order(&[
        "server  recv(1024) -> 0 bytes: end of stream, the request is complete",
        "server  write_all(b\"\") -> 0 bytes",
        "server  recv(1024) -> 8 bytes: b\"one\\ntwo\\n\"",
    ]);
}

#[test]
#[cfg(target_os = "linux")]
fn a_stop_and_continue_does_not_drop_the_client() {
    // Ctrl-Z and `fg` while the server waits in recv(): it fails with EINTR (signal(7)).
    let mut server = Server::start(BIN, &["--timeout", "5"]);
    let mut conn = Conn::open(server.addr);
    server.wait_for("server  accept() -> ok");
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
    server.finish().success().stdout_lacks("interrupted");
}

#[test]
#[cfg(target_os = "linux")]
fn running_out_of_descriptors_does_not_end_the_server() {
    // The running server's soft descriptor limit set to its lowest free descriptor: accept()
    // fails with EMFILE. It must say so, wait (not spin), and serve once the limit is back.
    let mut server = Server::start(BIN, &["--timeout", "1"]);
    let pid = server.pid();
    let open: Vec<u64> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect();
    let free = (0..).find(|fd| !open.contains(fd)).unwrap();
    let limits = |soft: &str| {
        testkit::hostile::prlimit(&["--pid", &pid.to_string(), &format!("--nofile={soft}:")])
    };
    limits(&free.to_string());
    // The accept() the server is already in took its descriptor number before the limit came
    // down: the first connection gets in (and, silent, is cut after 1 s); the next meets EMFILE.
    let _first = Conn::open(server.addr);
    let mut conn = Conn::open(server.addr);
    server.wait_for("accept() -> error: too many open files");
    server.wait_for("-- trying again in");
    limits("1024");
    assert!(server.is_running(), "the server exited without descriptors");
    conn.send(b"a\nb\n").shutdown_write();
    conn.expect(b"b\na\n").expect_eof();
    server.finish().success();
}

#[test]
fn a_server_for_ever_serves_clients_after_rude_ones() {
    let mut server = Server::start(BIN, &["--clients", "0", "--timeout", "1"]);
    for _ in 0..3 {
        let _ = Conn::open(server.addr).try_send(&vec![b'x'; 70_000]);
        polite(server.addr);
    }
    assert!(server.is_running());
    server
        .stop()
        .stdout_has("the request is longer than 65536 bytes");
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
    lesson(BIN)
        .args(&["--rude"])
        .run()
        .success()
        .lines_in_order(&[
            "lesson  -- part 3",
            "client  write_all(b\"one\\n\") -> 4 bytes",
            "server  recv(1024) -> 4 bytes: b\"one\\n\"",
            "server  recv(1024) -> error: timed out",
            "server  close(connection) -> ok",
            // No answer: the server closed, the client reads the end of stream.
            "client  recv() until it returns 0 -> 0 bytes: b\"\", then end of stream",
            "server  close(listener) -> ok",
        ]);
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
    let mut server = Server::start(BIN, &["--timeout", "10"]);
    let mut conn = Conn::open(server.addr);
    server.wait_for("server  accept() -> ok");
    testkit::hostile::kill("KILL", server.pid());
    conn.expect_eof();
    let _ = server.stop();
}

#[cfg(target_os = "linux")]
#[test]
fn a_process_that_dies_with_bytes_unread_resets() {
    // The same death with bytes waiting unread: the kernel's close sends RST, as close() would.
    use std::io::{ErrorKind, Read};
    let mut server = Server::start(BIN, &["--timeout", "10"]);
    let mut conn = Conn::open(server.addr);
    server.wait_for("server  accept() -> ok");
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
    lesson(&testkit::example("close_std_way"))
        .run()
        .success()
        .stdout_has(r#"std: server got "one\ntwo\nthree\n", client got "three\ntwo\none\n""#);
    lesson(&testkit::example("close_tokio_way"))
        .run()
        .success()
        .stdout_has(r#"tokio: server got "one\ntwo\nthree\n", client got "three\ntwo\none\n""#);
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
