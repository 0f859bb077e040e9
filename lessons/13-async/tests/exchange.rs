#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 13's exchange, checked for real: the demo, two processes, many clients at once,
//! graceful shutdown, a silent client, an oversized line, and failures. The checks read the
//! bytes each side sent and received, the calls it made and its errors from the trace
//! (`--trace`), and the exit codes; the wording is pinned once, by the book's output files.

use std::net::TcpStream;

use testkit::{in_order, lesson, BookOutput, Conn, Server, Trace};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-13-async");

/// What every connection still open at shutdown is told.
const BYE: &[u8] = b"bye: the server is shutting down\n";

/// No side of the run reported an error.
#[track_caller]
fn no_errors(trace: &Trace, sides: &[&str]) {
    for who in sides {
        assert_eq!(trace.errors(who), [], "{who}'s errors");
    }
}

/// Where in the trace `who` first sent (or received: `kind`) bytes ending with `bytes`.
fn when(trace: &Trace, who: &str, kind: &str, bytes: &[u8]) -> usize {
    trace
        .events
        .iter()
        .position(|e| {
            e.who == who && e.kind == kind && e.bytes.as_deref().is_some_and(|b| b.ends_with(bytes))
        })
        .unwrap_or_else(|| panic!("{who} never had a {kind} of {bytes:?}"))
}

#[test]
fn the_demo_serves_three_clients_on_one_thread() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Each client's bytes, and each connection's task on the other end of them.
    let alice_got = [&b"1: HELLO\n2: A SLOW LINE\n"[..], BYE].concat();
    let bob_got = [&b"1: HI\n2: STILL HERE\n"[..], BYE].concat();
    for (client, conn, sent, got) in [
        (
            "alice",
            "conn1",
            &b"hello\na slow line\n"[..],
            &alice_got[..],
        ),
        ("bob", "conn2", b"hi\nstill here\n", &bob_got),
        ("carol", "conn3", b"shutdown\n", b"bye: shutting down\n"),
    ] {
        assert_eq!(trace.sent(client), sent, "{client} sent");
        assert_eq!(trace.received(conn), sent, "{conn} received");
        assert_eq!(trace.sent(conn), got, "{conn} sent");
        assert_eq!(trace.received(client), got, "{client} received");
    }
    // Half a line from alice does not hold bob up: his second answer goes out before her
    // line is whole.
    let bob_answered = when(&trace, "conn2", "send", b"2: STILL HERE\n");
    let alice_whole = when(&trace, "conn1", "recv", b"a slow line\n");
    assert!(bob_answered < alice_whole, "bob waited for alice's line");
    // The datagram, there and back.
    assert_eq!(trace.sent("udp"), b"ping\n");
    assert_eq!(trace.received("server"), b"ping\n");
    assert_eq!(trace.sent("server"), b"PING\n");
    assert_eq!(trace.received("udp"), b"PING\n");
    // Every connection ends with a FIN; the server closes the listener, tells, then joins.
    for conn in ["conn1", "conn2", "conn3"] {
        assert_eq!(
            trace.calls(conn).last().map(String::as_str),
            Some("shutdown")
        );
    }
    in_order(
        &trace.calls("server"),
        &[
            "Runtime::new_current_thread",
            "TcpSocket::new",
            "listen",
            "UdpSocket::bind",
            "select",
            "close",
            "shutdown",
            "join",
        ],
    );
    no_errors(
        &trace,
        &[
            "server", "conn1", "conn2", "conn3", "alice", "bob", "carol", "udp",
        ],
    );
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &[]);
    let (run, trace) = lesson(BIN).client(server.addr).traced();
    // The client prints the answers it got (its output, not narration).
    run.success()
        .lines_in_order(&["answer: 1: HELLO", "answer: 2: ASYNC"]);
    assert_eq!(trace.sent("client"), b"hello\nasync\n");
    assert_eq!(trace.received("client"), b"1: HELLO\n2: ASYNC\n");
    // It half-closes, then reads to the end of stream.
    in_order(
        &trace.calls("client"),
        &["TcpStream::connect", "write_all", "shutdown", "read_line"],
    );
    // A second client, which stops the server on its way out.
    let (run, trace) = lesson(BIN)
        .client(server.addr)
        .args(&["--shutdown"])
        .traced();
    run.success().lines_in_order(&["answer: 1: HELLO"]);
    assert_eq!(trace.sent("client"), b"hello\nasync\nshutdown\n");
    assert_eq!(
        trace.received("client"),
        b"1: HELLO\n2: ASYNC\nbye: shutting down\n"
    );
    server.finish().success();
    let trace = server_trace.read();
    // conn1's client closed first: nothing after its answers, no bye.
    assert_eq!(trace.received("conn1"), b"hello\nasync\n");
    assert_eq!(trace.sent("conn1"), b"1: HELLO\n2: ASYNC\n");
    assert_eq!(trace.received("conn2"), b"hello\nasync\nshutdown\n");
    in_order(
        &trace.calls("server"),
        &["select", "select", "close", "shutdown", "join"],
    );
    no_errors(&trace, &["server", "conn1", "conn2"]);
}

#[test]
fn many_clients_are_served_at_once() {
    let (server, trace) = testkit::traced_server(BIN, &[]);
    let mut conns: Vec<Conn> = (0..20).map(|_| Conn::open(server.addr)).collect();
    // Every client sends half a line; a server that served one client at a time would wait
    // for the first one's newline for ever.
    for (i, conn) in conns.iter_mut().enumerate() {
        conn.send(format!("client {i}, ").as_bytes());
    }
    // Finish the lines in the opposite order: each answer comes at once.
    for (i, conn) in conns.iter_mut().enumerate().rev() {
        conn.send(b"second half\n")
            .expect(format!("1: CLIENT {i}, SECOND HALF\n").as_bytes());
    }
    for conn in conns.iter_mut() {
        conn.send(b"again\n").expect(b"2: AGAIN\n");
    }
    Conn::open(server.addr)
        .send(b"shutdown\n")
        .expect(b"bye: shutting down\n")
        .expect_eof();
    for conn in conns.iter_mut() {
        conn.expect(BYE).expect_eof();
    }
    server.finish().success();
    // All twenty were told, each by its own task.
    let trace = trace.read();
    let told = (1..=21)
        .filter(|i| trace.sent(&format!("conn{i}")).ends_with(BYE))
        .count();
    assert_eq!(told, 20);
}

#[test]
fn two_lines_in_one_send_get_two_answers() {
    let server = Server::start(BIN, &[]);
    let mut conn = Conn::open(server.addr);
    // One send, two lines: one read() may well return both.
    conn.send(b"one\ntwo\n").expect(b"1: ONE\n2: TWO\n");
    // And a line in two sends is still one line.
    conn.send(b"thr").send(b"ee\n").expect(b"3: THREE\n");
    conn.send(b"shutdown\n")
        .expect(b"bye: shutting down\n")
        .expect_eof();
    server.finish().success();
}

#[test]
fn shutdown_stops_accepting_and_says_bye_to_everyone() {
    let (server, trace) = testkit::traced_server(BIN, &[]);
    let mut idle = Conn::open(server.addr);
    idle.send(b"hi\n").expect(b"1: HI\n");
    // Answered once (so its task runs), then half a line: the shutdown comes mid-line.
    let mut halfway = Conn::open(server.addr);
    halfway.send(b"first\n").expect(b"1: FIRST\n");
    halfway.send(b"an unfinished li");
    Conn::open(server.addr)
        .send(b"shutdown\n")
        .expect(b"bye: shutting down\n")
        .expect_eof();
    idle.expect(BYE).expect_eof();
    halfway.expect(BYE).expect_eof();
    // The listener was closed before anyone was told: nobody new gets in.
    let refused = TcpStream::connect_timeout(&server.addr, testkit::timeout());
    assert!(
        refused.is_err(),
        "a connection after the shutdown should be refused"
    );
    server.finish().success();
    let trace = trace.read();
    // Close the listener, tell, join: nobody had to be aborted.
    let calls = trace.calls("server");
    let stopping = calls.iter().position(|c| c == "close").unwrap();
    assert_eq!(calls[stopping..], ["close", "shutdown", "join"]);
    // The half line was never answered: the bye came instead.
    assert_eq!(trace.sent("conn2"), [&b"1: FIRST\n"[..], BYE].concat());
}

#[test]
fn a_silent_client_is_timed_out_and_the_others_go_on() {
    let (server, trace) = testkit::traced_server(BIN, &["--idle", "1"]);
    let mut silent = Conn::open(server.addr);
    silent.expect(b"bye: no whole line in 1 s\n").expect_eof();
    let mut next = Conn::open(server.addr);
    next.send(b"still serving?\n")
        .expect(b"1: STILL SERVING?\n")
        .send(b"shutdown\n")
        .expect(b"bye: shutting down\n");
    server.finish().success();
    let trace = trace.read();
    // A time-out is an outcome, not an error: a bye, a FIN, and nothing read.
    assert_eq!(trace.received("conn1"), b"");
    assert_eq!(trace.sent("conn1"), b"bye: no whole line in 1 s\n");
    assert_eq!(trace.calls("conn1"), ["read_line", "write_all", "shutdown"]);
    no_errors(&trace, &["server", "conn1", "conn2"]);
}

#[test]
fn an_oversized_line_is_refused_and_the_server_goes_on() {
    let (server, trace) = testkit::traced_server(BIN, &[]);
    let mut big = vec![b'x'; 2000];
    big.push(b'\n');
    let mut conn = Conn::open(server.addr);
    conn.send(&big)
        .expect(b"error: line longer than 1024 bytes\n")
        .expect_eof();
    // A line of exactly 1024 bytes (newline included) is fine.
    let mut longest = vec![b'y'; 1023];
    longest.push(b'\n');
    let mut answer = b"1: ".to_vec();
    answer.extend_from_slice(&longest.to_ascii_uppercase());
    let mut next = Conn::open(server.addr);
    next.send(&longest).expect(&answer);
    next.send(b"shutdown\n").expect(b"bye: shutting down\n");
    server.finish().success();
    let trace = trace.read();
    // Refused at byte 1025: the server took no more of the 2001 than that.
    assert_eq!(trace.received("conn1"), [b'x'; 1025]);
    let errors = trace.errors("conn1");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "read_line()");
    assert_eq!(
        trace.received("conn2"),
        [&longest[..], b"shutdown\n"].concat()
    );
    no_errors(&trace, &["server", "conn2"]);
}

#[test]
fn a_client_gone_mid_line_ends_only_its_own_task() {
    let (mut server, trace) = testkit::traced_server(BIN, &[]);
    Conn::open(server.addr).send(b"half a li");
    // The connection is dropped here, in the middle of a line: its task ends with an error.
    server.wait_for_trace(&trace, |t| !t.errors("conn1").is_empty());
    Conn::open(server.addr)
        .send(b"shutdown\n")
        .expect(b"bye: shutting down\n");
    server.finish().success();
    let trace = trace.read();
    let errors = trace.errors("conn1");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "read_line()");
    assert_eq!(
        trace.sent("conn1"),
        b"",
        "nothing to answer half a line with"
    );
    no_errors(&trace, &["server", "conn2"]);
}

#[test]
fn udp_datagrams_come_back_in_upper_case() {
    let (server, server_trace) = testkit::traced_server(BIN, &[]);
    let (run, trace) = lesson(BIN).client(server.addr).args(&["--udp"]).traced();
    run.success();
    assert_eq!(trace.sent("client"), b"ping\n");
    assert_eq!(trace.received("client"), b"PING\n");
    // No connection: a socket, one send_to, one recv_from.
    assert_eq!(
        trace.calls("client"),
        [
            "Runtime::new_current_thread",
            "UdpSocket::bind",
            "send_to",
            "recv_from"
        ]
    );
    Conn::open(server.addr)
        .send(b"shutdown\n")
        .expect(b"bye: shutting down\n");
    server.finish().success();
    let trace = server_trace.read();
    assert_eq!(trace.received("server"), b"ping\n");
    assert_eq!(trace.sent("server"), b"PING\n");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (run, trace) = lesson(BIN).args(&["server", "--addr", &addr]).traced();
    run.clean_failure().stderr_has("address already in use");
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].0.starts_with("TcpSocket::new() + bind"),
        "{errors:?}"
    );
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-13-async").check();
}

#[test]
fn the_book_shows_what_the_rude_clients_demo_prints() {
    BookOutput::new(BIN, "lesson-13-async")
        .variant(&["--misbehave", "--idle", "1"], "output-misbehave.txt")
        .check();
}

#[test]
fn the_rude_clients_demo_refuses_both_and_serves_bob() {
    let (run, trace) = testkit::traced(BIN, &["--misbehave", "--idle", "1"]);
    run.success();
    // flood: 2000 bytes without a newline, refused at byte 1025, then closed.
    assert_eq!(trace.sent("flood"), [b'x'; 2000]);
    assert_eq!(trace.received("conn1"), [b'x'; 1025]);
    assert_eq!(
        trace.received("flood"),
        b"error: line longer than 1024 bytes\n"
    );
    assert_eq!(trace.errors("conn1").len(), 1);
    // bob is served while slow's half line waits; then slow is timed out.
    assert_eq!(trace.received("bob"), b"1: PING\n");
    assert_eq!(trace.received("slow"), b"bye: no whole line in 1 s\n");
    let bob_served = when(&trace, "bob", "recv", b"1: PING\n");
    let slow_timed_out = when(&trace, "slow", "recv", b"bye: no whole line in 1 s\n");
    assert!(bob_served < slow_timed_out, "bob waited for slow");
    no_errors(&trace, &["server", "flood", "slow", "bob", "carol"]);
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    lesson(&testkit::example("async_std_way"))
        .run()
        .success()
        .stdout_has(r#"std: ["1: HELLO", "2: THREADS"]"#);
    lesson(&testkit::example("async_tokio_way"))
        .run()
        .success()
        .stdout_has(r#"tokio: ["1: HELLO", "2: ASYNC"]"#);
}

/// A datagram longer than 1500 bytes is not answered half: the server reads it into a buffer
/// one byte larger, sees it full, and says so. (Windows fails such a recv_from with
/// WSAEMSGSIZE instead: the server reports it and goes on, with no answer.)
#[cfg(not(windows))]
#[test]
fn an_oversized_datagram_is_reported_not_cut() {
    let (server, trace) = testkit::traced_server(BIN, &[]);
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(testkit::timeout())).unwrap();
    let mut answer = vec![0u8; 4096];
    udp.send_to(&[b'a'; 1500], server.addr).unwrap();
    let (n, _) = udp.recv_from(&mut answer).unwrap();
    assert_eq!(
        &answer[..n],
        &[b'A'; 1500][..],
        "1500 bytes is the largest datagram taken"
    );
    udp.send_to(&[b'a'; 2000], server.addr).unwrap();
    let (n, _) = udp.recv_from(&mut answer).unwrap();
    assert_eq!(&answer[..n], b"error: datagram longer than 1500 bytes\n");
    Conn::open(server.addr)
        .send(b"shutdown\n")
        .expect(b"bye: shutting down\n");
    server.finish().success();
    // The kernel gave the server 1501 bytes of the second datagram: the rest was dropped.
    let trace = trace.read();
    assert_eq!(trace.received("server").len(), 1500 + 1501);
}

#[test]
fn a_limit_on_each_wait_lasts_as_long_as_the_peer_talks_a_moment_does_not() {
    // What chapter 13 says of examples/deadlines.rs: against a peer that sends twenty
    // datagrams 100 ms apart, a 300 ms timeout on each wait (and a Sleep reset at each
    // datagram) takes all twenty and gives up some 2.2 s after it started; one moment fixed
    // 300 ms ahead gives up then, with the three or so that came by then.
    let run = lesson(&testkit::example("deadlines")).run();
    run.success();
    // Each line: "<way>: <count> datagram(s), gave up after <ms> ms".
    let results: Vec<(u64, u64)> = run
        .stdout
        .lines()
        .map(|line| {
            let numbers: Vec<u64> = line
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            let [.., count, ms] = numbers[..] else {
                panic!("no count and time in {line:?}")
            };
            (count, ms)
        })
        .collect();
    let [each_wait, moment, reset] = results[..] else {
        panic!("three ways, three lines: {}", run.stdout)
    };
    for (way, (count, ms)) in [("each wait", each_wait), ("reset", reset)] {
        assert_eq!(count, 20, "{way}: every datagram, {}", run.stdout);
        assert!((2_100..4_000).contains(&ms), "{way}: {}", run.stdout);
    }
    let (count, ms) = moment;
    assert!((2..=4).contains(&count), "the moment: {}", run.stdout);
    assert!((300..1_000).contains(&ms), "the moment: {}", run.stdout);
}
