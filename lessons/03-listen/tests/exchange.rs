//! Lesson 03's exchange, checked for real: clients queue up before accept(), the accept queue
//! grows and shrinks, a socket that does not listen refuses, a full queue, and failures.
//! The checks read the bytes, calls, errors and kernel views of a run's trace (`--trace`),
//! exit codes and raw bytes, never the narration's wording (that is pinned once, by the
//! book-output tests). Reference build only; the exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
use testkit::trace::Event;
#[cfg(target_os = "linux")]
use testkit::TraceFile;
use testkit::{lesson, BookOutput, Conn, Server, Trace};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-03-listen");

/// A raw client: send a name, expect the greeting, expect end of stream.
fn greet(conn: &mut Conn, name: &str, number: usize) {
    conn.send(format!("{name}\n").as_bytes())
        .expect(format!("hello {name}, you are number {number}\n").as_bytes())
        .expect_eof();
}

/// Where in the trace an event is: the first of `who` matching `test`.
#[track_caller]
fn at(
    trace: &Trace,
    who: &str,
    what: &str,
    test: impl Fn(&testkit::trace::Event) -> bool,
) -> usize {
    trace
        .events
        .iter()
        .position(|e| e.who == who && test(e))
        .unwrap_or_else(|| panic!("no {who} {what} in the trace"))
}

/// A kernel view of the server's listener (its state: LISTEN).
#[cfg(target_os = "linux")]
fn listen_view(e: &Event) -> bool {
    e.who == "server" && e.kind == "kernel" && e.text.starts_with("LISTEN")
}

/// The accept queue lengths the kernel view showed for the listener, in order (Linux).
#[cfg(target_os = "linux")]
fn queue_lengths(trace: &Trace) -> Vec<u32> {
    trace
        .of("server")
        .filter(|e| e.kind == "kernel")
        .filter_map(|e| {
            e.text
                .split("accept queue ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

/// The server's greeting for the client numbered `number`.
fn greeting(name: &str, number: usize) -> Vec<u8> {
    format!("hello {name}, you are number {number}\n").into_bytes()
}

#[test]
fn the_demo_queues_three_clients_then_accepts_them_in_order() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    for (number, name) in ["alice", "bob", "carol"].iter().enumerate() {
        assert_eq!(trace.sent(name), format!("{name}\n").as_bytes());
        assert_eq!(trace.received(name), greeting(name, number + 1));
    }
    assert_eq!(trace.received("server"), b"alice\nbob\ncarol\n");
    let greetings = [
        greeting("alice", 1),
        greeting("bob", 2),
        greeting("carol", 3),
    ];
    assert_eq!(trace.sent("server"), greetings.concat());
    // Every client connected and sent before the server's first accept().
    let first_accept = at(&trace, "server", "accept", |e| e.name() == "accept");
    let carol_sent = at(&trace, "carol", "send", |e| {
        e.kind == "call" && e.name() == "send"
    });
    assert!(carol_sent < first_accept);
    let accepts = trace
        .calls("server")
        .iter()
        .filter(|c| *c == "accept")
        .count();
    assert_eq!(accepts, 3);
    assert_eq!(
        trace.calls("server").last().map(String::as_str),
        Some("close")
    );
}

#[test]
fn without_listen_a_connection_is_refused() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let addr = trace.ready().expect("a listening line");
    let refused = (format!("connect({addr})"), "connection refused".to_string());
    assert_eq!(trace.errors("early"), [refused]);
    let early = at(&trace, "early", "connect", |e| e.name() == "connect");
    let listen = at(&trace, "server", "listen", |e| e.name() == "listen");
    assert!(early < listen, "the early client tried before listen()");
}

#[test]
#[cfg(target_os = "linux")]
fn the_kernel_shows_the_accept_queue_grow_and_shrink() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Listening with room for 3; alice, bob, carol wait; accept() takes them one by one.
    // Then the probe (fill_queue) fills the empty queue: 4, backlog + 1.
    assert_eq!(queue_lengths(&trace), [0, 1, 2, 3, 2, 1, 0, 4]);
    let probe = trace.of("probe").find(|e| e.kind == "call").unwrap();
    assert!(probe.result.starts_with("4 connected"), "{probe:?}");
    // The bytes each client sent before accept() wait in its new socket.
    let waiting: Vec<bool> = trace
        .of("server")
        .filter(|e| e.kind == "kernel" && e.text.starts_with("ESTABLISHED"))
        .map(|e| e.text.ends_with("receive queue 6 B") || e.text.ends_with("receive queue 4 B"))
        .collect();
    assert_eq!(waiting, [true, true, true]);
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_queue_leaves_the_next_client_waiting() {
    // Linux lets backlog + 1 connections wait; the next client's SYN is ignored, and its
    // connect() would retry for minutes. The demo gives up after half a second.
    let (run, trace) = testkit::traced(BIN, &["--backlog", "1"]);
    run.success();
    let carol = trace.errors("carol");
    assert_eq!(carol.len(), 1, "{carol:?}");
    assert!(carol[0].0.starts_with("connect("), "{carol:?}");
    assert_eq!(carol[0].1, "timed out");
    assert!(trace.received("carol").is_empty(), "carol never got in");
    assert_eq!(trace.received("alice"), greeting("alice", 1));
    assert_eq!(trace.received("bob"), greeting("bob", 2));
}

#[test]
#[cfg(target_os = "linux")]
fn two_processes_clients_wait_in_the_servers_accept_queue() {
    // Step mode: the server stops before each call until it reads a newline. Four for
    // socket, SO_REUSEADDR, bind and listen; then it waits before its first accept().
    let stdin: &[u8] = if cfg!(unix) { b"\n\n\n\n" } else { b"\n\n\n" };
    let trace = TraceFile::new();
    let mut server = lesson(BIN)
        .args(&["--step", "--clients", "2", "--trace", trace.path()])
        .stdin(stdin)
        .server();
    // The server's second view of its listener comes right before its first accept(), for
    // which it waits for a newline: the clients connect while it waits.
    trace.wait_for(&mut server, 2, listen_view);
    let mut alice = Conn::open(server.addr);
    let mut bob = Conn::open(server.addr);
    // Both connections are complete although nobody called accept(): the kernel did it.
    let view = common::kernel::lookup(server.addr, None).to_string();
    assert_eq!(
        view,
        format!("LISTEN {}, accept queue 2 (backlog 3)", server.addr),
        "the waiting connections in the accept queue"
    );
    server.write_stdin(&b"\n".repeat(40));
    greet(&mut alice, "alice", 1);
    greet(&mut bob, "bob", 2);
    server.finish().success();
    // Listening, then before the first accept() (the clients connected while it paused just
    // after this view): 0; after it, one still waits (twice: after, and before the next);
    // after the last, none.
    let trace = trace.read();
    assert_eq!(queue_lengths(&trace), [0, 0, 1, 1, 0]);
    assert_eq!(
        trace.sent("server"),
        [greeting("alice", 1), greeting("bob", 2)].concat()
    );
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &["--clients", "1"]);
    let (run, trace) = lesson(BIN)
        .client(server.addr)
        .args(&["--name", "zoë"])
        .traced();
    run.success();
    let addr = server.addr;
    server.finish().success();
    assert_eq!(trace.sent("client"), "zoë\n".as_bytes());
    assert_eq!(trace.received("client"), greeting("zoë", 1));
    let server_trace = server_trace.read();
    assert_eq!(server_trace.ready(), Some(addr));
    assert_eq!(server_trace.received("server"), "zoë\n".as_bytes());
    assert_eq!(server_trace.sent("server"), greeting("zoë", 1));
}

#[test]
#[cfg(unix)]
fn a_server_restarts_at_once_on_its_port_despite_time_wait() {
    // The server closes first, so its side of the connection waits in TIME_WAIT for a minute;
    // with SO_REUSEADDR a new server binds the same port at once (chapter 2; the Try it below).
    let first = Server::start(BIN, &["--clients", "1"]);
    let addr = first.addr;
    greet(&mut Conn::open(addr), "alice", 1);
    first.finish().success();
    let again = Server::start(BIN, &["--clients", "1", "--addr", &addr.to_string()]);
    assert_eq!(again.addr, addr);
    greet(&mut Conn::open(addr), "bob", 1);
    again.finish().success();
}

#[test]
fn raw_clients_are_numbered_in_the_order_they_connected() {
    let server = Server::start(BIN, &[]);
    let mut first = Conn::open(server.addr);
    let mut second = Conn::open(server.addr);
    let mut third = Conn::open(server.addr);
    // They send in reverse order, and in pieces; the server still serves the oldest first.
    third.send(b"ca").send(b"rol\n");
    second.send(b"bob\n");
    first.send(b"alice\n");
    first
        .expect(b"hello alice, you are number 1\n")
        .expect_eof();
    second.expect(b"hello bob, you are number 2\n").expect_eof();
    third
        .expect(b"hello carol, you are number 3\n")
        .expect_eof();
    server.finish().success();
}

#[test]
fn a_backlog_of_zero_is_refused() {
    let (run, trace) = testkit::traced(BIN, &["--backlog", "0"]);
    run.clean_failure();
    let errors = trace.errors("server");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "listen(backlog=0)");
    assert_eq!(trace.ready(), None, "it never listened");
}

#[test]
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn a_backlog_too_large_for_an_int_asks_for_the_most_not_a_wrapped_number() {
    // listen() takes a C int: 2^32 + 5 cast to one would be 5. The lesson clamps it, and the
    // kernel caps it at net.core.somaxconn.
    let most: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096);
    let huge = ((1u64 << 32) + 5).to_string();
    let server = Server::start(BIN, &["--backlog", &huge, "--clients", "1"]);
    let addr = server.addr;
    let view = common::kernel::lookup(addr, None).to_string();
    greet(&mut Conn::open(addr), "alice", 1);
    server.finish().success();
    assert_eq!(
        view,
        format!("LISTEN {addr}, accept queue 0 (backlog {most})")
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    lesson(BIN).args(&["--clients", "9"]).run().clean_failure();
    lesson(BIN)
        .args(&["--backlog", "many"])
        .run()
        .clean_failure();
}

// Clients that misbehave. Each is followed by a well-behaved client, who must be served, and
// promptly: one rude client must never end the server, nor hold it past the --timeout.

/// Start a server for one client with a 1 s limit, let `rude` do its worst, then check that a
/// normal client is still served (as number 1: the rude one was not served) within `bound`,
/// and that the server's one error, the rude client's, was `reported`.
#[track_caller]
fn survives(rude: impl FnOnce(std::net::SocketAddr), reported: &str) -> Duration {
    let (server, trace) = testkit::traced_server(BIN, &["--clients", "1", "--timeout", "1000"]);
    let started = Instant::now();
    rude(server.addr);
    let mut next = Conn::open(server.addr);
    greet(&mut next, "alice", 1);
    let took = started.elapsed();
    let run = server.finish();
    run.success();
    let errors = trace.read().errors("server");
    assert_eq!(errors.len(), 1, "one error, the rude client's: {errors:?}");
    assert_eq!(errors[0].1, reported, "{errors:?}");
    // The rude client cost at most the 1 s limit, plus room for a busy machine.
    assert!(
        took < RUDE_BOUND,
        "the next client waited {took:?}\n{}",
        run.transcript()
    );
    took
}

/// The --timeout the rude tests give (1 s) and what a loaded CI machine may add.
const RUDE_BOUND: Duration = Duration::from_secs(3);

#[test]
fn a_name_that_is_not_text_is_refused_and_the_server_goes_on() {
    survives(
        |addr| {
            Conn::open(addr).send(b"\xff\xfe\n");
        },
        "the name is not UTF-8 text",
    );
}

#[test]
fn a_name_without_end_is_refused_after_33_bytes_and_the_server_goes_on() {
    survives(
        |addr| {
            let mut conn = Conn::open(addr);
            let _ = conn.try_send(&[b'x'; 100]);
        },
        "no newline in the first 33 bytes",
    );
}

#[test]
fn a_client_that_leaves_early_is_reported_and_the_server_goes_on() {
    survives(
        |addr| {
            Conn::open(addr).send(b"ali");
        },
        "the peer closed before sending a whole line",
    );
}

#[test]
fn a_client_that_closes_at_once_is_reported_and_the_server_goes_on() {
    survives(
        |addr| drop(Conn::open(addr)),
        "the peer closed before sending a whole line",
    );
}

#[test]
fn a_client_that_resets_is_reported_and_the_server_goes_on() {
    // SO_LINGER with a time of 0: close() sends RST instead of FIN.
    survives(
        |addr| {
            let conn = socket2::Socket::from(Conn::open(addr).stream().try_clone().unwrap());
            conn.send(b"ali").unwrap();
            conn.set_linger(Some(Duration::ZERO)).unwrap();
        },
        "connection reset by peer",
    );
}

#[test]
fn a_client_that_trickles_is_cut_off_at_the_deadline() {
    // One byte every 300 ms: each recv() gets a byte long before a per-call timeout of 1 s,
    // so only a deadline for the whole line stops this client (33 bytes would take 10 s).
    let took = survives(
        |addr| Conn::open(addr).trickle(33, Duration::from_millis(300)),
        "timed out",
    );
    assert!(
        took >= Duration::from_millis(900),
        "cut off too early: {took:?}"
    );
}

#[test]
fn a_silent_client_is_cut_off_at_the_deadline() {
    let mut silent = None;
    survives(|addr| silent = Some(Conn::open(addr)), "timed out");
    // The server closed it: it reads end of stream, and no greeting.
    silent.unwrap().expect_eof();
}

#[test]
#[cfg(target_os = "linux")]
fn a_stop_and_continue_does_not_end_the_server() {
    // Ctrl-Z and `fg`: SIGSTOP, then SIGCONT. A recv() with a timeout interrupted that way
    // fails with EINTR (signal(7)); the server must wait again, not drop the client.
    let (mut server, trace) = testkit::traced_server(BIN, &["--clients", "1", "--timeout", "5000"]);
    let mut conn = Conn::open(server.addr);
    trace.wait_for(&mut server, 1, |e| e.kind == "call" && e.name() == "accept");
    let pid = server.pid().to_string();
    // Signal it while it waits in recv(): the kernel names that wait `wait_woken`.
    let wchan = format!("/proc/{pid}/wchan");
    let deadline = Instant::now() + testkit::timeout();
    while std::fs::read_to_string(&wchan).unwrap_or_default() != "wait_woken" {
        assert!(
            Instant::now() < deadline,
            "the server never waited in recv()"
        );
        std::thread::yield_now();
    }
    for signal in ["-STOP", "-CONT"] {
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill");
        assert!(status.success());
    }
    greet(&mut conn, "alice", 1);
    server.finish().success();
    assert!(
        trace.read().errors("server").is_empty(),
        "no error: EINTR is no news"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn running_out_of_descriptors_does_not_end_the_server() {
    use testkit::hostile::{accept_recovered, out_of_descriptors};
    // The running server's soft descriptor limit set to its lowest free descriptor: accept()
    // fails with EMFILE. It must say so, wait (not spin), and serve once the limit is back.
    let (mut server, trace) = testkit::traced_server(BIN, &["--clients", "1", "--timeout", "1000"]);
    // The kernel view opens a netlink socket for a moment; the second view of the listener
    // is printed once that is closed again, right before the first accept(). Read the
    // descriptors then.
    trace.wait_for(&mut server, 2, listen_view);
    // The first connection gets in (and, silent, is cut after 1 s); the next one waits.
    let (_first, mut conn) = out_of_descriptors(&mut server, &trace);
    greet(&mut conn, "alice", 1);
    server.finish().success();
    accept_recovered(&trace.read());
}

#[test]
fn a_server_for_ever_serves_clients_after_rude_ones() {
    // --clients 0: until stopped. Rude and polite clients take turns.
    let (mut server, trace) = testkit::traced_server(BIN, &["--clients", "0", "--timeout", "1000"]);
    for number in 1..=3 {
        Conn::open(server.addr).send(b"\x01\n");
        let mut conn = Conn::open(server.addr);
        greet(&mut conn, "bob", number);
    }
    assert!(server.is_running());
    server.stop();
    let errors = trace.read().errors("server");
    assert_eq!(errors.len(), 3, "one for each rude client: {errors:?}");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-03-listen").check();
}

#[test]
#[cfg(target_os = "linux")]
fn the_book_shows_a_full_queue_on_linux() {
    BookOutput::new(BIN, "lesson-03-listen")
        .variant(&["--backlog", "1"], "output-full.txt")
        .check();
}

#[test]
fn the_book_shows_a_rude_client_reported_and_the_next_one_served() {
    BookOutput::new(BIN, "lesson-03-listen")
        .variant(&["--rude"], "output-rude.txt")
        .check();
}

#[test]
fn the_demo_goes_on_after_a_rude_client() {
    let (run, trace) = testkit::traced(BIN, &["--rude"]);
    run.success();
    assert_eq!(trace.sent("trudy"), b"\xfftrudy\n");
    assert!(trace.received("trudy").is_empty(), "trudy gets no greeting");
    assert_eq!(trace.received("alice"), greeting("alice", 1));
    assert_eq!(trace.received("carol"), greeting("carol", 2));
    assert_eq!(trace.errors("server").len(), 1);
}

#[test]
#[cfg(target_os = "linux")]
fn the_book_shows_the_backlog_std_chooses() {
    BookOutput::new(BIN, "lesson-03-listen")
        .variant(&["--std"], "output-std.txt")
        .check();
}

#[test]
fn the_std_and_tokio_ways_queue_clients_too() {
    testkit::std_and_tokio_say(
        "listen",
        "3 clients connected before accept; answers: number 1, number 2, number 3",
    );
}

#[test]
#[cfg(target_os = "linux")]
fn std_and_tokio_listen_with_a_backlog_of_128() {
    // The chapter's table says so; a run says it with the versions this workspace locks.
    let (run, trace) = testkit::traced(BIN, &["--std"]);
    run.success();
    let filled = trace.of("probe").find(|e| e.kind == "call").unwrap();
    assert!(filled.result.starts_with("129 connected"), "{filled:?}");
    assert_eq!(queue_lengths(&trace), [0, 129]);
    lesson(&testkit::example("listen_tokio_way"))
        .run()
        .success()
        .stdout_has("tokio: TcpListener::bind's queue held 129 connections: a backlog of 128");
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_queue_drops_a_last_ack_while_the_client_thinks_it_is_connected() {
    // Backlog 1: alice and bob fill the queue, carol's SYN is ignored. With one place free
    // again, yann's and zoe's SYNs both get in; yann's last ACK takes the place, and zoe's
    // finds the queue full: her connect() returned and her bytes are sent, but the server's
    // kernel still holds her connection half-open. Retransmissions bring her in later.
    let (run, trace) = testkit::traced(BIN, &["--backlog", "1"]);
    run.success();
    assert_eq!(trace.calls("zoe")[..3], ["socket", "setsockopt", "connect"]);
    assert!(trace.errors("zoe").is_empty(), "her connect() returned ok");
    // Her 4 bytes are sent and not acknowledged: nobody on the other side took them.
    let views: Vec<&str> = trace
        .of("zoe")
        .filter(|e| e.kind == "kernel")
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        views
            .iter()
            .any(|v| v.starts_with("ESTABLISHED") && v.contains("send queue 4 B")),
        "{views:?}"
    );
    let half_open = trace
        .of("server")
        .any(|e| e.kind == "kernel" && e.text.starts_with("SYN_RECV"));
    assert!(
        half_open,
        "the server's kernel holds her connection half-open"
    );
    // Room again: a retransmission completes her connection, and she is served.
    assert_eq!(trace.received("yann"), greeting("yann", 3));
    assert_eq!(trace.received("zoe"), greeting("zoe", 4));
}
