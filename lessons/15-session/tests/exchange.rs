//! Lesson 15's sessions, checked for real: the demo, two processes, raw lines, commands out
//! of order, two clients at once, and clients that misbehave.
//! Reference build only: the exercise's own checks are in tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::{lesson, BookOutput, Conn, Run, Server, Trace, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-15-session");

/// Start a server and run `body` against it (a crashed server is reported as such).
fn with_server(args: &[&str], body: impl FnOnce(&mut Server)) -> Run {
    Server::run_with(BIN, args, body)
}

/// The same, with the server's events: `--trace` into a temporary file, read once it exited.
fn with_traced_server(args: &[&str], body: impl FnOnce(&mut Server)) -> (Run, Trace) {
    let trace = TraceFile::new();
    let run = Server::run_with(BIN, &[args, &["--trace", trace.path()]].concat(), body);
    (run, trace.read())
}

/// Command lines as they go on the wire: each ends in `\r\n`.
fn crlf(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| format!("{l}\r\n").into_bytes())
        .collect()
}

/// Connect and read the greeting.
fn open(server: &Server) -> Conn {
    let mut conn = Conn::open(server.addr);
    conn.expect(b"220 lesson-15 ready\r\n");
    conn
}

/// Send one line, expect one reply line (both given without the CRLF).
#[track_caller]
fn says(conn: &mut Conn, line: &str, reply: &str) {
    conn.send(format!("{line}\r\n").as_bytes());
    conn.expect(format!("{reply}\r\n").as_bytes());
}

fn login(conn: &mut Conn) {
    says(conn, "USER alice", "331 password required for alice");
    says(conn, "PASS secret", "230 alice logged in");
}

#[test]
fn the_demo_runs_two_sessions_and_the_second_starts_from_nothing() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let first = [
        "PWD",
        "USER alice",
        "PASS secret",
        "CWD docs",
        "PUT note buy milk",
        "RNFR note",
        "RNTO todo",
        "RNTO again",
        "LIST",
        "QUIT",
    ];
    let second = [
        "GET todo",
        "USER alice",
        "PASS secret",
        "PWD",
        "CWD docs",
        "GET todo",
        "QUIT",
    ];
    let mut commands = crlf(&first);
    commands.extend(crlf(&second));
    assert_eq!(trace.sent("client"), commands);
    assert_eq!(trace.received("server"), commands);
    // The second session starts logged out and in / (530, then 257 "/"), but finds the note
    // the first one stored and renamed: the session died with its connection, the store did not.
    let mut replies = crlf(&[
        "220 lesson-15 ready",
        "530 not logged in",
        "331 password required for alice",
        "230 alice logged in",
        "250 now in /docs",
        "250 stored /docs/note",
        "350 ready for RNTO",
        "250 renamed /docs/note to /docs/todo",
        "503 bad sequence of commands",
        "226 readme todo",
        "221 bye",
    ]);
    replies.extend(crlf(&[
        "220 lesson-15 ready",
        "530 not logged in",
        "331 password required for alice",
        "230 alice logged in",
        "257 \"/\"",
        "250 now in /docs",
        "213 buy milk",
        "221 bye",
    ]));
    assert_eq!(trace.sent("server"), replies);
    assert_eq!(trace.received("client"), replies);
    // Two connections, each closed by the server after 221: the client's last recv() of
    // each session reads the end of stream (0 bytes), then it closes too.
    let ends: Vec<_> = trace
        .calls("client")
        .into_iter()
        .filter(|c| c == "connect" || c == "close")
        .collect();
    assert_eq!(ends, ["connect", "close", "connect", "close"]);
    let client_recvs = trace.recvs("client");
    let eofs: Vec<usize> = (0..client_recvs.len())
        .filter(|&i| client_recvs[i].is_empty())
        .collect();
    assert_eq!(eofs, [11, client_recvs.len() - 1], "{client_recvs:?}");
    let server_calls = trace.calls("server");
    assert_eq!(server_calls.iter().filter(|c| *c == "accept").count(), 2);
    assert!(trace.errors("server").is_empty() && trace.errors("client").is_empty());
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, trace) = testkit::traced_server(BIN, &["--max", "1"]);
    let (client, client_trace) = lesson(BIN).client(server.addr).traced();
    // What the client prints: each command and its reply.
    client.success().lines_in_order(&[
        "PWD          257 \"/\"",
        "LIST         226 docs/ pub/",
        "CWD docs     250 now in /docs",
        "LIST         226 readme",
        "GET readme   213 read me first",
        "QUIT         221 bye",
    ]);
    let commands = crlf(&[
        "USER alice",
        "PASS secret",
        "PWD",
        "LIST",
        "CWD docs",
        "LIST",
        "GET readme",
        "QUIT",
    ]);
    assert_eq!(client_trace.sent("client"), commands);
    let calls = client_trace.calls("client");
    assert_eq!(calls.first().map(String::as_str), Some("connect"));
    assert_eq!(calls.last().map(String::as_str), Some("close"));
    // The server gave the session its own thread, and that thread served it to the end.
    server.finish().success();
    let trace = trace.read();
    let server_calls = trace.calls("server");
    assert_eq!(
        server_calls[server_calls.len() - 3..],
        ["accept", "setsockopt", "thread::spawn"]
    );
    assert_eq!(trace.received("conn1"), commands);
    assert_eq!(trace.sent("conn1"), client_trace.received("client"));
    assert!(trace
        .sent("conn1")
        .ends_with(b"213 read me first\r\n221 bye\r\n"));
    assert_eq!(
        trace.calls("conn1").last().map(String::as_str),
        Some("close")
    );
}

#[test]
fn a_full_session_in_raw_lines() {
    with_server(&["--max", "1"], |server| {
        let mut conn = open(server);
        login(&mut conn);
        says(&mut conn, "PWD", "257 \"/\"");
        says(&mut conn, "LIST", "226 docs/ pub/");
        says(&mut conn, "CWD pub", "250 now in /pub");
        says(&mut conn, "LIST", "226 (empty)");
        says(
            &mut conn,
            "PUT greeting hello there",
            "250 stored /pub/greeting",
        );
        says(&mut conn, "GET greeting", "213 hello there");
        says(&mut conn, "CWD ..", "250 now in /");
        // GET looks in the current directory: the same key is not found from here.
        says(&mut conn, "GET greeting", "550 no such key: greeting");
        says(&mut conn, "CWD /docs", "250 now in /docs");
        says(&mut conn, "GET readme", "213 read me first");
        says(
            &mut conn,
            "CWD nowhere",
            "550 no such directory: /docs/nowhere",
        );
        says(&mut conn, "PWD", "257 \"/docs\"");
        // Verbs are case-insensitive, and plain \n line ends work (nc without -C sends those).
        conn.send(b"pwd\n").expect(b"257 \"/docs\"\r\n");
        says(&mut conn, "QUIT", "221 bye");
        conn.expect_eof();
    })
    .success();
}

/// The third wrong password on one connection ends it: 421, then the server closes, and a
/// command sent after it in the same write is never answered.
#[test]
fn the_third_wrong_password_closes_the_connection() {
    with_server(&["--max", "1"], |server| {
        let mut conn = open(server);
        for _ in 0..2 {
            says(&mut conn, "USER alice", "331 password required for alice");
            says(&mut conn, "PASS guess", "530 login incorrect");
        }
        says(&mut conn, "USER alice", "331 password required for alice");
        conn.send(b"PASS guess\r\nPWD\r\n");
        conn.expect(b"421 too many wrong passwords, closing\r\n")
            .expect_eof();
    })
    .success();
}

#[test]
fn commands_out_of_order_are_refused_by_state() {
    with_server(&["--max", "1"], |server| {
        let mut conn = open(server);
        // Before login, the file commands are refused: the state says who may do what.
        says(&mut conn, "GET readme", "530 not logged in");
        says(&mut conn, "LIST", "530 not logged in");
        says(&mut conn, "CWD docs", "530 not logged in");
        says(&mut conn, "PUT key value", "530 not logged in");
        // PASS means nothing without a USER before it.
        says(
            &mut conn,
            "PASS secret",
            "503 bad sequence of commands: USER first",
        );
        // A wrong password sends the session back to the start...
        says(&mut conn, "USER alice", "331 password required for alice");
        says(&mut conn, "PASS guess", "530 login incorrect");
        says(
            &mut conn,
            "PASS secret",
            "503 bad sequence of commands: USER first",
        );
        says(&mut conn, "GET readme", "530 not logged in");
        // ...and a right one opens the door.
        login(&mut conn);
        says(
            &mut conn,
            "PASS secret",
            "503 bad sequence of commands: USER first",
        );
        says(&mut conn, "CWD docs", "250 now in /docs");
        says(&mut conn, "GET readme", "213 read me first");
        says(&mut conn, "QUIT", "221 bye");
        conn.expect_eof();
    })
    .success();
}

#[test]
fn unknown_commands_and_bad_arguments_get_500_and_501() {
    with_server(&["--max", "1"], |server| {
        let mut conn = open(server);
        says(&mut conn, "HELLO", "500 unknown command \"HELLO\"");
        says(&mut conn, "", "500 unknown command \"\"");
        says(&mut conn, "USER", "501 syntax: USER needs a name");
        login(&mut conn);
        says(&mut conn, "GET a/b", "501 syntax: GET needs a key (no /)");
        says(
            &mut conn,
            "PUT lonely",
            "501 syntax: PUT needs a key (no /) and a value",
        );
        says(&mut conn, "QUIT", "221 bye");
    })
    .success();
}

#[test]
fn two_clients_have_two_separate_sessions() {
    with_server(&["--max", "2"], |server| {
        let mut alice = open(server);
        let mut other = open(server);
        login(&mut alice);
        says(&mut alice, "CWD docs", "250 now in /docs");
        // The other connection, at the same time, is still logged out and in /.
        says(&mut other, "GET readme", "530 not logged in");
        says(&mut other, "USER bob", "331 password required for bob");
        // bob's USER did not touch alice's session.
        says(&mut alice, "GET readme", "213 read me first");
        says(&mut other, "PASS builder", "230 bob logged in");
        says(&mut other, "PWD", "257 \"/\"");
        // The store is shared: what alice puts, bob can get.
        says(
            &mut alice,
            "PUT shared from alice",
            "250 stored /docs/shared",
        );
        says(
            &mut other,
            "GET /docs/shared",
            "501 syntax: GET needs a key (no /)",
        );
        says(&mut other, "CWD docs", "250 now in /docs");
        says(&mut other, "GET shared", "213 from alice");
        says(&mut alice, "QUIT", "221 bye");
        says(&mut other, "QUIT", "221 bye");
    })
    .success();
}

#[test]
fn a_reconnect_loses_the_session_but_not_the_store() {
    let (run, trace) = with_traced_server(&["--max", "2"], |server| {
        let mut first = open(server);
        login(&mut first);
        says(&mut first, "CWD pub", "250 now in /pub");
        says(&mut first, "PUT kept yes", "250 stored /pub/kept");
        drop(first); // gone without QUIT
        let mut second = open(server);
        says(&mut second, "GET kept", "530 not logged in");
        login(&mut second);
        says(&mut second, "PWD", "257 \"/\"");
        says(&mut second, "CWD pub", "250 now in /pub");
        says(&mut second, "GET kept", "213 yes");
        says(&mut second, "QUIT", "221 bye");
    });
    run.success();
    // The first session ended at the end of stream (no QUIT), without an error, and closed.
    let commands = crlf(&["USER alice", "PASS secret", "CWD pub", "PUT kept yes"]);
    assert_eq!(trace.received("conn1"), commands);
    assert_eq!(trace.recvs("conn1").last(), Some(&Vec::new()));
    assert_eq!(
        trace.calls("conn1").last().map(String::as_str),
        Some("close")
    );
    assert!(
        trace.errors("conn1").is_empty(),
        "{:?}",
        trace.errors("conn1")
    );
}

#[test]
fn a_silent_client_is_timed_out_with_421() {
    let (run, trace) = with_traced_server(&["--max", "1", "--timeout-ms", "300"], |server| {
        let mut conn = open(server);
        // Say nothing.
        conn.expect(b"421 timed out, closing\r\n").expect_eof();
    });
    run.success();
    // One recv() that brought nothing (its deadline passed: no recv event), then 421, close.
    assert_eq!(trace.calls("conn1"), ["send", "recv", "send", "close"]);
    assert!(trace.recvs("conn1").is_empty());
    assert!(
        trace.errors("conn1").is_empty(),
        "{:?}",
        trace.errors("conn1")
    );
}

#[test]
fn a_client_that_vanishes_mid_command_ends_only_its_own_session() {
    let (run, trace) = with_traced_server(&["--max", "2"], |server| {
        let mut gone = open(server);
        login(&mut gone);
        gone.send(b"PUT half").shutdown_write();
        gone.expect_eof();
        drop(gone);
        let mut next = open(server);
        says(&mut next, "GET half", "530 not logged in");
        says(&mut next, "QUIT", "221 bye");
    });
    run.success();
    // The half command got no reply: the end of stream came before its \n, and conn1 closed.
    let mut got = crlf(&["USER alice", "PASS secret"]);
    got.extend_from_slice(b"PUT half");
    assert_eq!(trace.received("conn1"), got);
    assert_eq!(trace.recvs("conn1").last(), Some(&Vec::new()));
    let replies = crlf(&[
        "220 lesson-15 ready",
        "331 password required for alice",
        "230 alice logged in",
    ]);
    assert_eq!(trace.sent("conn1"), replies);
    assert_eq!(
        trace.calls("conn1").last().map(String::as_str),
        Some("close")
    );
}

#[test]
fn an_oversized_line_gets_500_and_the_session_goes_on() {
    with_server(&["--max", "1"], |server| {
        let mut conn = open(server);
        login(&mut conn);
        let mut long = b"PUT big ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 2000));
        long.extend_from_slice(b"\r\n");
        conn.send(&long);
        conn.expect(b"500 line too long (max 512 bytes)\r\n");
        // Still logged in: the bad line changed nothing.
        says(&mut conn, "PWD", "257 \"/\"");
        says(&mut conn, "GET big", "550 no such key: big");
        says(&mut conn, "QUIT", "221 bye");
    })
    .success();
}

#[test]
fn a_line_that_is_not_utf8_gets_501_and_the_session_goes_on() {
    with_server(&["--max", "1"], |server| {
        let mut conn = open(server);
        login(&mut conn);
        conn.send(b"PUT k caf\xe9\r\n");
        conn.expect(b"501 line is not UTF-8\r\n");
        says(&mut conn, "PUT k café", "250 stored /k");
        says(&mut conn, "GET k", "213 café");
        says(&mut conn, "QUIT", "221 bye");
    })
    .success();
}

#[test]
fn two_commands_in_one_send_get_two_replies() {
    with_server(&["--max", "1"], |server| {
        let mut conn = open(server);
        conn.send(b"USER alice\r\nPASS secret\r\nPW");
        conn.expect(b"331 password required for alice\r\n230 alice logged in\r\n");
        conn.send(b"D\r\nQUIT\r\n");
        conn.expect(b"257 \"/\"\r\n221 bye\r\n").expect_eof();
    })
    .success();
}

#[test]
fn a_wrong_password_makes_the_client_fail_clearly() {
    let server = Server::start(BIN, &["--max", "1"]);
    let (run, trace) = lesson(BIN)
        .client(server.addr)
        .args(&["--pass", "nope"])
        .traced();
    // An error exit (not a panic), after a polite QUIT; the one error is the refused login.
    run.clean_failure();
    let commands = crlf(&["USER alice", "PASS nope", "QUIT"]);
    assert_eq!(trace.sent("client"), commands);
    assert!(trace
        .received("client")
        .ends_with(b"530 login incorrect\r\n221 bye\r\n"));
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("530"), "{errors:?}");
    server.finish().success();
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-15-session").check();
    // "Clients that misbehave": a trickled command, cut at the line's deadline with 421.
    BookOutput::new(BIN, "lesson-15-session")
        .variant(&["--trickle"], "output-trickle.txt")
        .check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_session() {
    let expected =
        "530 not logged in | 331 password required | 230 logged in | 213 value of a | 221 bye";
    lesson(&testkit::example("session_std_way"))
        .run()
        .success()
        .stdout_has(&format!("std: {expected}"));
    lesson(&testkit::example("session_tokio_way"))
        .run()
        .success()
        .stdout_has(&format!("tokio: {expected}"));
}

/// The time limit is a deadline for each whole line, not for each recv: a command that
/// trickles in, a byte every 100 ms (each recv is quick), still gets 421 once --timeout-ms
/// has passed since the server began to wait for it.
#[test]
fn a_trickling_command_is_cut_at_its_deadline() {
    with_server(&["--max", "1", "--timeout-ms", "800"], |server| {
        let mut conn = open(server);
        let began = std::time::Instant::now();
        let trickle = conn.stream().try_clone().unwrap();
        let trickler = std::thread::spawn(move || {
            use std::io::Write;
            // Until the server closes (the write then fails), or 10 s.
            for _ in 0..100 {
                std::thread::sleep(std::time::Duration::from_millis(100));
                if (&trickle).write_all(b"P").is_err() {
                    break;
                }
            }
        });
        conn.expect(b"421 timed out, closing\r\n");
        let took = began.elapsed();
        assert!(
            took < std::time::Duration::from_secs(3),
            "421 came after {took:?}: the deadline (800 ms) must bound the whole line"
        );
        drop(conn);
        let _ = trickler.join();
    })
    .success();
}

/// The hostile-client battery (testkit::hostile): a thread per session, so the normal client
/// is served WHILE each hostile client is still connected; --timeout-ms 3000 is the deadline
/// for each whole line, and for each send.
fn hostile_target() -> testkit::hostile::Target {
    testkit::hostile::Target::server(BIN, &["--timeout-ms", "3000"], b"PWD\r\n", |addr| {
        let mut conn = Conn::open(addr);
        conn.expect(b"220 lesson-15 ready\r\n");
        conn.send(b"USER alice\r\nPASS secret\r\nGET readme\r\nQUIT\r\n");
        conn.expect(b"331 password required for alice\r\n230 alice logged in\r\n");
        conn.expect(b"550 no such key: readme\r\n221 bye\r\n")
            .expect_eof();
    })
    .concurrent(std::time::Duration::from_secs(3))
}

testkit::hostile_battery!(hostile_target);

/// SO_SNDTIMEO: a client that sends commands and never reads the replies is dropped once its
/// buffers are full and a send has made no progress for --timeout-ms. The client stays
/// connected all along, so only the send timeout can end its session (and the server, which
/// serves one client and exits, exits only then).
#[test]
fn a_client_that_never_reads_is_dropped_after_the_send_timeout() {
    let args = ["--max", "1", "--timeout-ms", "500"];
    let (server, trace) = testkit::traced_server(BIN, &args);
    let mut hog = Conn::open_small(server.addr, 4096);
    let block = b"PWD\r\n".repeat(1000);
    let mut sent = 0usize;
    // Send until the server stops taking bytes: it closes once its own send timed out.
    while hog.try_send(&block).is_ok() {
        sent += block.len();
        assert!(sent < 1 << 30, "the server never stopped reading");
    }
    server.finish().success();
    drop(hog);
    // The session ended on a send() that failed, while the client was still there.
    let errors = trace.read().errors("conn1");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("send("), "{errors:?}");
}

/// 50 clients connect and say nothing; a normal client is served while they are all still
/// connected (a thread each: nobody waits for the crowd).
#[test]
fn hostile_idle_crowd() {
    testkit::hostile::idle_crowd(&hostile_target());
}
