#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 09's echo server, checked for real: our client, raw bytes, clients that are not
//! ours (Python's socket module, nc), and every kind of bad client — after each of which the
//! next client must still be served.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::prelude::*;
use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-09-echo");

/// A good client after a bad one: the server must still answer.
#[track_caller]
fn next_client_is_served(server: &Server) {
    let mut conn = Conn::open(server.addr);
    conn.send(b"next\n").expect(b"next\n");
    conn.shutdown_write().expect_eof();
}

/// The line the server sends instead of echoing a line over its limit (8192 by default).
const REFUSAL: &[u8] = b"error: line longer than 8192 bytes\n";

/// What the demo's three clients send: three lines; a line over the limit and a short one;
/// one more line.
fn demo_lines() -> Vec<u8> {
    let mut long = vec![b'x'; 8192];
    long.push(b'\n');
    [
        b"hello\nworld\ncaf\xc3\xa9 \xff\xfe\n".as_slice(),
        &long,
        b"and after it\n",
        b"still there?\n",
    ]
    .concat()
}

#[test]
fn the_demo_serves_three_clients_in_order() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // What went over the three connections, byte for byte: the lines came back, the long
    // one got the error line instead of an echo, the line after it its echo, and the server
    // was still there.
    let answers = [
        b"hello\nworld\ncaf\xc3\xa9 \xff\xfe\n".as_slice(),
        REFUSAL,
        b"and after it\nstill there?\n",
    ]
    .concat();
    assert_eq!(trace.sent("client"), demo_lines());
    assert_eq!(trace.received("server"), demo_lines());
    assert_eq!(trace.sent("server"), answers);
    assert_eq!(trace.received("client"), answers);
    // The server took three clients, one after another, and closed each.
    let calls = trace.calls("server");
    let count = |name: &str| calls.iter().filter(|c| *c == name).count();
    assert_eq!(calls.first().map(String::as_str), Some("socket"));
    assert_eq!(calls.last().map(String::as_str), Some("close"));
    assert_eq!(count("accept"), 3, "{calls:?}");
    assert_eq!(
        count("close"),
        4,
        "three connections and the listener: {calls:?}"
    );
    // No error: a line over the limit is answered, and its connection goes on.
    let errors = trace.errors("server");
    assert!(errors.is_empty(), "{errors:?}");
    // Each client read every byte the server sent, then a clean end of stream (the server
    // had read all the client sent: FIN, not RST).
    let ends: Vec<_> = trace
        .of("client")
        .filter(|e| e.call == "recv()")
        .map(|e| e.result.clone())
        .collect();
    assert_eq!(ends, ["0 bytes: end of stream"; 3], "{ends:?}");
}

#[test]
fn max_line_counts_the_newline_and_the_connection_goes_on() {
    let (server, trace) = testkit::traced_server(
        BIN,
        &["--clients", "1", "--timeout", "5", "--max-line", "8"],
    );
    let mut conn = Conn::open(server.addr);
    // 8 bytes with the newline: echoed. 9: refused, and the next line is echoed.
    conn.send(b"1234567\n").expect(b"1234567\n");
    conn.send(b"12345678\n")
        .expect(b"error: line longer than 8 bytes\n");
    conn.send(b"ok\n").expect(b"ok\n");
    // The refusal goes out once 8 bytes have come with no newline, before the line's end.
    conn.send(b"abcdefgh")
        .expect(b"error: line longer than 8 bytes\n");
    conn.send(b"ijk\nlast\n").expect(b"last\n");
    conn.shutdown_write().expect_eof();
    server.finish().success();
    assert!(trace.read().errors("server").is_empty());
}

#[test]
fn max_line_zero_is_a_clear_error() {
    lesson(BIN)
        .args(&["server", "--max-line", "0"])
        .run()
        .clean_failure()
        .stderr_has("--max-line");
}

#[test]
fn a_max_line_past_one_mib_is_a_clear_error_not_an_abort() {
    // Once, 100 TB: the server took it, and aborted on its first client (allocation failed).
    for too_big in ["1048577", "100000000000000"] {
        lesson(BIN)
            .args(&["server", "--max-line", too_big])
            .run()
            .clean_failure()
            .stderr_has("--max-line");
    }
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &["--clients", "1", "--timeout", "5"]);
    let (run, trace) = lesson(BIN)
        .client(server.addr)
        .stdin(b"hello\nworld")
        .traced();
    // The last line had no newline in the input; the client adds it.
    run.success()
        .lines_in_order(&["echo: hello", "echo: world"]);
    assert_eq!(trace.sent("client"), b"hello\nworld\n");
    assert_eq!(trace.received("client"), b"hello\nworld\n");
    assert_eq!(
        trace.calls("client"),
        [
            "connect",
            "setsockopt",
            "write_all",
            "read_until",
            "write_all",
            "read_until",
            "shutdown",
            "recv",
            "close"
        ]
    );
    let addr = server.addr;
    server.finish().success();
    let server_trace = server_trace.read();
    assert_eq!(server_trace.sent("server"), b"hello\nworld\n");
    assert_eq!(server_trace.ready(), Some(addr));
    assert!(server_trace.errors("server").is_empty());
}

#[test]
fn a_raw_client_gets_each_line_back_as_soon_as_it_is_whole() {
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "1", "--timeout", "5"]);
    let mut conn = Conn::open(server.addr);
    // One line in two pieces: no echo before the newline, then the whole line.
    conn.send(b"hel");
    conn.send(b"lo\n").expect(b"hello\n");
    // Echoes come per line, not at the end: we wait for each before sending the next.
    conn.send(b"second\n").expect(b"second\n");
    // Two lines in one send come back as two lines.
    conn.send(b"a\nb\n").expect(b"a\nb\n");
    // Not UTF-8: bytes are bytes, and come back unchanged.
    conn.send(b"\xff\xfe\x00 raw\n")
        .expect(b"\xff\xfe\x00 raw\n");
    conn.send(b"\n").expect(b"\n");
    conn.shutdown_write().expect_eof();
    server.finish().success();
    let all = b"hello\nsecond\na\nb\n\xff\xfe\x00 raw\n\n";
    assert_eq!(trace.read().sent("server"), all);
    assert_eq!(trace.read().received("server"), all);
}

#[test]
fn python_socket_module_is_a_client_too() {
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "1", "--timeout", "5"]);
    // A client that is not ours: Python's socket module, bytes in, bytes out.
    let script = r#"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
f = s.makefile("rb")
echoes = []
for line in [b"hello from python\n", b"\xff not utf-8\n"]:
    s.sendall(line)
    echoes.append(f.readline())
s.shutdown(socket.SHUT_WR)
print(repr(echoes), repr(f.read()))
"#;
    let port = server.addr.port().to_string();
    if Process::new("python3").arg("--version").output().is_err() {
        println!("note: python3 is not installed; skipping the Python client");
        return;
    }
    Command::new("python3")
        .args(["-c", script, &port])
        .timeout(testkit::timeout())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            r#"[b'hello from python\n', b'\xff not utf-8\n'] b''"#,
        ));
    server.finish().success();
    assert_eq!(
        trace.read().sent("server"),
        b"hello from python\n\xff not utf-8\n"
    );
}

#[test]
fn nc_is_a_client_too() {
    // Which nc is this? OpenBSD's has -N (shut down writing at the end of input);
    // the traditional one has -q SECS (quit SECS after the end of input).
    let help = match Process::new("nc").arg("-h").output() {
        Ok(out) => format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => {
            println!("note: nc is not installed; skipping the nc client");
            return;
        }
    };
    let end_of_input: &[&str] = if help.contains("-N") {
        &["-N"]
    } else if help.contains("-q") {
        &["-q", "2"]
    } else {
        println!("note: this nc has neither -N nor -q; skipping the nc client");
        return;
    };
    let server = Server::start(BIN, &["--clients", "1", "--timeout", "5"]);
    let port = server.addr.port().to_string();
    Command::new("nc")
        .args(end_of_input)
        .args(["-w", "5", "127.0.0.1", &port])
        .write_stdin("hello from nc\nbye\n")
        .timeout(testkit::timeout())
        .assert()
        .success()
        .stdout("hello from nc\nbye\n");
    server.finish().success();
}

#[test]
fn a_client_that_vanishes_mid_line_does_not_stop_the_server() {
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "2", "--timeout", "5"]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"no newline yet");
    drop(conn);
    next_client_is_served(&server);
    server.finish().success();
    let trace = trace.read();
    // The half line was read, not echoed, and ended that connection only.
    assert_eq!(trace.received("server"), b"no newline yetnext\n");
    assert_eq!(trace.sent("server"), b"next\n");
    assert_eq!(
        trace
            .calls("server")
            .iter()
            .filter(|c| *c == "close")
            .count(),
        3
    );
}

#[test]
fn a_one_mebibyte_line_is_refused_and_the_next_line_echoed() {
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "2", "--timeout", "5"]);
    let mut big = TcpStream::connect(server.addr).unwrap();
    big.set_read_timeout(Some(testkit::timeout())).unwrap();
    big.set_write_timeout(Some(testkit::timeout())).unwrap();
    let mut sent = vec![b'x'; 1 << 20];
    sent.extend_from_slice(b"\nafter\n");
    // The server reads and drops the line as it comes: the whole of it goes in, while we
    // read the refusal (which comes long before the line ends) and the echo.
    let writer = {
        let mut big = big.try_clone().unwrap();
        let sent = sent.clone();
        std::thread::spawn(move || {
            big.write_all(&sent).unwrap();
            big.shutdown(std::net::Shutdown::Write).unwrap();
        })
    };
    let mut got = Vec::new();
    testkit::uninterrupted(|| big.read_to_end(&mut got)).unwrap();
    writer.join().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&[REFUSAL, b"after\n"].concat())
    );
    next_client_is_served(&server);
    server.finish().success();
    // The server read every byte, and sent only the refusal and the echo.
    let trace = trace.read();
    assert_eq!(
        trace.received("server"),
        [sent.as_slice(), b"next\n"].concat()
    );
    assert_eq!(
        trace.sent("server"),
        [REFUSAL, b"after\n", b"next\n"].concat()
    );
}

#[test]
fn a_line_just_over_the_limit_gets_the_error_line_at_once() {
    let server = Server::start(BIN, &["--clients", "2", "--timeout", "5"]);
    let mut conn = Conn::open(server.addr);
    // Exactly 8192 bytes and no newline: too long already; the refusal comes before the
    // line's end, and the line after it is echoed.
    conn.send(&[b'y'; 8192]).expect(REFUSAL);
    conn.send(b"yyy\nnext\n").expect(b"next\n");
    // A line of exactly 8192 bytes, newline included, is echoed.
    let mut longest = vec![b'z'; 8191];
    longest.push(b'\n');
    conn.send(&longest).expect(&longest);
    conn.shutdown_write().expect_eof();
    next_client_is_served(&server);
    server.finish().success();
}

#[test]
fn a_silent_client_is_dropped_after_the_timeout() {
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "2", "--timeout", "1"]);
    let mut silent = Conn::open(server.addr);
    // We say nothing; after a second the server gives up and closes.
    silent.expect_eof();
    next_client_is_served(&server);
    server.finish().success();
    let trace = trace.read();
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
    assert_eq!(trace.sent("server"), b"next\n");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    lesson(BIN)
        .args(&["server", "--addr", &addr])
        .run()
        .clean_failure()
        .stderr_has("address already in use");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-09-echo").check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    testkit::std_and_tokio_say("echo", r#"echoed "hello\nworld\n""#);
}

#[test]
fn a_slow_client_is_dropped_at_the_deadline_for_the_whole_line() {
    // One byte every 600 ms (for 8.4 s) never trips a 1 s timeout per recv(); the deadline
    // drops the client after 1 s, and the demo is over in well under 4 s.
    let began = std::time::Instant::now();
    let (run, trace) = testkit::traced(BIN, &["--slow-client"]);
    let took = began.elapsed();
    assert!(
        took < std::time::Duration::from_secs(4),
        "the slow client held the server: the demo took {took:?}\n{}",
        run.transcript()
    );
    run.success();
    // The slow client's bytes were read, never echoed; client 2 got its line back.
    let read = trace.received("server");
    assert!(
        read.starts_with(b"hello") && read.ends_with(b"still there?\n"),
        "{read:?}"
    );
    assert_eq!(trace.sent("server"), b"still there?\n");
    assert_eq!(trace.errors("server").len(), 1);
}

#[test]
fn the_book_shows_what_the_slow_client_demo_prints() {
    BookOutput::new(BIN, "lesson-09-echo")
        .variant(&["--slow-client"], "output-slow-client.txt")
        .check();
}

/// The hostile-client battery (testkit::hostile). This server serves one client at a time:
/// after each hostile client, a normal one must be served within the server's deadline for
/// the hostile one (`--timeout 2`) + a margin.
fn hostile_target() -> testkit::hostile::Target {
    testkit::hostile::Target::server(
        BIN,
        &["--timeout", "2"],
        // A line of a thousand bytes: a client that never reads fills the buffers between it
        // and the server sooner with long lines than with short ones.
        &[b"hello ".as_slice(), &[b'x'; 1000], b"\n"].concat(),
        |addr| {
            let mut conn = Conn::open(addr);
            conn.send(b"hello\n").expect(b"hello\n");
            conn.send(b"\xff not utf-8\n").expect(b"\xff not utf-8\n");
            conn.shutdown_write().expect_eof();
        },
    )
    .sequential(std::time::Duration::from_secs(2))
    // The flood (32 MiB, never a newline) is refused and read on, a buffer at a time: a
    // server that kept it would pass 32 MB. Ours stays near 2.5 MB.
    .max_rss_mb(16.0)
}

testkit::hostile_battery!(hostile_target);
