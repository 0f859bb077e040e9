//! Lesson 09's echo server, checked for real: our client, raw bytes, clients that are not
//! ours (Python's socket module, nc), and every kind of bad client — after each of which the
//! next client must still be served.

use std::io::{ErrorKind, Read, Write};
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

#[test]
fn the_demo_serves_three_clients_in_order() {
    lesson(BIN).run().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "lesson  -- client 1",
        "client  write_all(b\"hello\\n\") -> 6 bytes",
        "client  shutdown(Write) -> ok",
        "server  accept() -> ok",
        "server  read_until(b'\\n') -> 6 bytes: b\"hello\\n\"",
        "server  write_all(b\"hello\\n\") -> 6 bytes",
        "server  read_until(b'\\n') -> 6 bytes: b\"world\\n\"",
        "server  write_all(b\"world\\n\") -> 6 bytes",
        "server  write_all(b\"caf\\xc3\\xa9 \\xff\\xfe\\n\") -> 9 bytes",
        "server  read_until(b'\\n') -> 0 bytes: end of stream",
        "is done: 3 line(s) echoed",
        "client  read_until(b'\\n') -> 6 bytes: b\"hello\\n\"",
        "client  read_until(b'\\n') -> 6 bytes: b\"world\\n\"",
        "client  read_until(b'\\n') -> 9 bytes: b\"caf\\xc3\\xa9 \\xff\\xfe\\n\"",
        "client  recv() -> 0 bytes: end of stream",
        "lesson  -- client 2",
        "server  read_until(b'\\n') -> error: no newline in 8192 bytes: the line is too long",
        "server  write_all(b\"error: line longer than 8192 bytes\\n\") -> 35 bytes",
        "client  read_until(b'\\n') -> 35 bytes: b\"error: line longer than 8192 bytes\\n\"",
        "lesson  -- client 3",
        "server  write_all(b\"still there?\\n\") -> 13 bytes",
        "client  read_until(b'\\n') -> 13 bytes: b\"still there?\\n\"",
        "server  close(listener) -> ok",
    ]);
}

#[cfg(target_os = "linux")]
#[test]
fn cutting_off_a_too_long_line_resets_the_connection() {
    // The server closes with the rest of the line unread: Linux sends RST (lesson 08), and
    // the error line that arrived before it can still be read.
    lesson(BIN).run().success().lines_in_order(&[
        "lesson  -- client 2",
        "client  read_until(b'\\n') -> 35 bytes: b\"error: line longer than 8192 bytes\\n\"",
        "client  recv() -> error: connection reset by peer: the server closed with our bytes unread",
    ]);
}

#[test]
fn server_and_client_in_two_processes() {
    let server = Server::start(BIN, &["--clients", "1", "--timeout", "5"]);
    lesson(BIN)
        .client(server.addr)
        .stdin(b"hello\nworld")
        .run()
        .success()
        .lines_in_order(&[
            "client  connect(",
            "client  write_all(b\"hello\\n\") -> 6 bytes",
            "client  read_until(b'\\n') -> 6 bytes: b\"hello\\n\"",
            "echo: hello",
            // The last line had no newline in the input; the client adds it.
            "client  write_all(b\"world\\n\") -> 6 bytes",
            "echo: world",
            "client  shutdown(Write) -> ok",
            "client  recv() -> 0 bytes: end of stream",
            "client  close(client socket) -> ok",
        ]);
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  accept() -> ok",
        "server  read_until(b'\\n') -> 6 bytes: b\"hello\\n\"",
        "server  write_all(b\"hello\\n\") -> 6 bytes",
        "server  read_until(b'\\n') -> 6 bytes: b\"world\\n\"",
        "server  read_until(b'\\n') -> 0 bytes: end of stream",
        "is done: 2 line(s) echoed",
        "server  close(listener) -> ok, 1 clients served",
    ]);
}

#[test]
fn a_raw_client_gets_each_line_back_as_soon_as_it_is_whole() {
    let server = Server::start(BIN, &["--clients", "1", "--timeout", "5"]);
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
    server
        .finish()
        .success()
        .stdout_has("is done: 6 line(s) echoed");
}

#[test]
fn python_socket_module_is_a_client_too() {
    let server = Server::start(BIN, &["--clients", "1", "--timeout", "5"]);
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
    server
        .finish()
        .success()
        .stdout_has("is done: 2 line(s) echoed");
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
    let server = Server::start(BIN, &["--clients", "2", "--timeout", "5"]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"no newline yet");
    drop(conn);
    next_client_is_served(&server);
    server.finish().success().lines_in_order(&[
        "the client left in the middle of a line (b\"no newline yet\")",
        "server  close(connection) -> ok",
        "is done: 1 line(s) echoed",
    ]);
}

#[test]
fn a_one_mebibyte_line_is_refused_and_the_next_client_served() {
    let server = Server::start(BIN, &["--clients", "2", "--timeout", "5"]);
    let mut big = TcpStream::connect(server.addr).unwrap();
    big.set_read_timeout(Some(testkit::timeout())).unwrap();
    big.set_write_timeout(Some(testkit::timeout())).unwrap();
    let mut line = vec![b'x'; 1 << 20];
    line.push(b'\n');
    // The server stops reading after 8 KiB, so our send may fail half way: that is fine.
    let writer = {
        let mut big = big.try_clone().unwrap();
        std::thread::spawn(move || {
            let _ = big.write_all(&line);
        })
    };
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match testkit::uninterrupted(|| big.read(&mut buf)) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the refusal failed: {e}"),
        }
    }
    writer.join().unwrap();
    // Never an echo of the giant line: at most the error line (unless a reset overtook it).
    let refusal = b"error: line longer than 8192 bytes\n";
    assert!(
        got.is_empty() || got == refusal,
        "expected the error line, got {} bytes: {:?}",
        got.len(),
        String::from_utf8_lossy(&got[..got.len().min(80)])
    );
    next_client_is_served(&server);
    server
        .finish()
        .success()
        .lines_in_order(&["the line is too long", "is done: 1 line(s) echoed"]);
}

#[test]
fn a_line_just_over_the_limit_gets_the_error_line() {
    let server = Server::start(BIN, &["--clients", "2", "--timeout", "5"]);
    let mut conn = Conn::open(server.addr);
    // Exactly 8192 bytes and no newline: the server reads them all, so nothing is left
    // unread, and the error line is followed by a clean end of stream.
    conn.send(&[b'y'; 8192]);
    conn.expect(b"error: line longer than 8192 bytes\n")
        .expect_eof();
    next_client_is_served(&server);
    server.finish().success();
}

#[test]
fn a_silent_client_is_dropped_after_the_timeout() {
    let server = Server::start(BIN, &["--clients", "2", "--timeout", "1"]);
    let mut silent = Conn::open(server.addr);
    // We say nothing; after a second the server gives up and closes.
    silent.expect_eof();
    next_client_is_served(&server);
    server.finish().success().lines_in_order(&[
        "server  read_until(b'\\n') -> error: timed out",
        "dropping 127.0.0.1:",
        "is done: 1 line(s) echoed",
    ]);
}

#[test]
fn a_client_without_a_server_gets_a_clear_refusal() {
    testkit::client_without_server(BIN)
        .clean_failure()
        .stderr_has("connection refused — is the server running?");
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
    lesson(&testkit::example("echo_std_way"))
        .run()
        .success()
        .stdout_has(r#"std: echoed "hello\nworld\n""#);
    lesson(&testkit::example("echo_tokio_way"))
        .run()
        .success()
        .stdout_has(r#"tokio: echoed "hello\nworld\n""#);
}

#[test]
fn step_mode_pauses_before_each_call() {
    let enters = "\n".repeat(80);
    lesson(BIN)
        .args(&["--step"])
        .stdin(enters.as_bytes())
        .run()
        .success()
        .lines_in_order(&[
            "[step] next: server accept() — take the next connection from the queue.",
            "server  accept() -> ok",
            "[step] next: server read_until(b'\\n') — wait until a whole line is in",
            "server  close(listener) -> ok",
        ])
        .stdout_lacks("step mode off");
}

#[test]
fn a_slow_client_is_dropped_at_the_deadline_for_the_whole_line() {
    // One byte every 400 ms (for 8 s) never trips a 1 s timeout per recv(); the deadline
    // drops the client after 1 s, and the demo is over in well under 4 s.
    let began = std::time::Instant::now();
    let run = lesson(BIN).args(&["--slow-client"]).run();
    let took = began.elapsed();
    assert!(
        took < std::time::Duration::from_secs(4),
        "the slow client held the server: the demo took {took:?}\n{}",
        run.transcript()
    );
    run.success().lines_in_order(&[
        "client  write_all(b\"hello\") -> 5 bytes",
        "server  read_until(b'\\n') -> error: timed out",
        "server  close(connection) -> ok",
        "lesson  -- client 2",
        "server  write_all(b\"still there?\\n\") -> 13 bytes",
        "client  read_until(b'\\n') -> 13 bytes: b\"still there?\\n\"",
    ]);
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
    testkit::hostile::Target::new(
        |extra| {
            let mut args = vec!["--timeout", "2"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
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
}

testkit::hostile_battery!(hostile_target);
