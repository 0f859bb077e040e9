//! Lesson 02's exchange, checked for real: port 0 and the port the kernel chose, the address
//! already in use, SO_REUSEADDR after TIME_WAIT, the client's implicit bind, the first free
//! pair of ports of a range (`--ports`, the media servers of the demo), and failures.
//! The checks read the bytes, calls and errors of a run's trace (`--trace`), exit codes and
//! raw bytes, never the narration's wording (that is pinned once, by the book-output test).
//! The lesson as the book shows it runs on the reference build only; the exercise's checks are
//! tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::{IpAddr, TcpListener};

use lesson_02_bind::{free_ports, port_is_free};

use testkit::{lesson, BookOutput, Conn, Server, Trace, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-02-bind");

/// Start the server on port 0, and check it reports the port the kernel chose.
fn start_server(args: &[&str]) -> Server {
    real_port(Server::start(BIN, args))
}

/// The same, started with `--trace`; and its trace file.
fn traced_server(args: &[&str]) -> (Server, TraceFile) {
    let (server, trace) = testkit::traced_server(BIN, args);
    (real_port(server), trace)
}

/// The server, if it reports the port the kernel chose (not the port 0 it asked for).
fn real_port(mut server: Server) -> Server {
    if server.addr.port() == 0 {
        let run = server.stop();
        testkit::fail(
            "The server says it listens on port 0: that is the port it ASKED for, not the one \
             the kernel chose: ask the socket (getsockname) after bind().",
            "listening on 127.0.0.1:<a real port>",
            &run.transcript(),
        );
    }
    server
}

/// A failed run's one error, as (call, reason): `("bind(127.0.0.1:7002)", "address …")`.
#[track_caller]
fn the_error(trace: &Trace, who: &str) -> (String, String) {
    let errors = trace.errors(who);
    assert_eq!(errors.len(), 1, "one error: {errors:?}");
    errors[0].clone()
}

/// Run a server that must fail at its start; its trace.
fn failing_server(args: &[&str]) -> Trace {
    let mut all = vec!["server"];
    all.extend(args);
    let (run, trace) = testkit::traced(BIN, &all);
    run.clean_failure();
    trace
}

/// A port that was free a moment ago, below the ephemeral range: a port the kernel chose for
/// port 0 can be given to another process's connect() before the server binds it (a run in
/// 150 failed that way, 2026-12-03), a port below the range is taken only by a bind().
fn free_port() -> u16 {
    free_ports("127.0.0.1".parse().unwrap(), 1, port_is_free).expect("a free port")
}

/// Held by the tests that give a server a port of their choosing, so that two of them do not
/// choose the same one (this process looks for free ports from the same place every time).
fn choosing_ports() -> std::sync::MutexGuard<'static, ()> {
    static CHOOSING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    CHOOSING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Serve the waiting server its one client, so that it exits.
fn be_its_client(server: &Server) {
    let mut conn = Conn::open(server.addr);
    let me = conn.stream().local_addr().unwrap();
    conn.send(b"hello\n")
        .expect(format!("you are {me}\n").as_bytes())
        .expect_eof();
}

#[test]
fn the_demo_runs_the_whole_exchange_in_order() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let server = [
        "socket",
        "setsockopt",
        "bind",
        "listen",
        "accept",
        "recv",
        "recv",
        "send",
        "close",
        "close",
    ];
    assert_eq!(trace.calls("server"), testkit::with_reuse(&server));
    // The rival is refused the listening socket's address, whatever its options.
    assert_eq!(
        trace.calls("rival"),
        testkit::with_reuse(&["socket", "setsockopt", "bind"])
    );
    let addr = trace.ready().expect("a listening line");
    let refused = (
        format!("bind({addr})"),
        "address already in use".to_string(),
    );
    assert_eq!(the_error(&trace, "rival"), refused);
    // The client never binds: getsockname() before and after connect().
    let client = [
        "socket",
        "getsockname",
        "connect",
        "getsockname",
        "send",
        "recv",
        "recv",
        "close",
    ];
    assert_eq!(trace.calls("client"), client);
    assert_eq!(trace.sent("client"), b"hello\n");
    assert_eq!(trace.received("server"), b"hello\n");
    let answer = trace.sent("server");
    assert_eq!(trace.received("client"), answer);
    assert!(answer.starts_with(b"you are 127.0.0.1:"), "{answer:?}");
    assert!(!answer.ends_with(format!(":{}\n", addr.port()).as_bytes()));
    // Again: refused without SO_REUSEADDR, then bound and listening with it.
    let again = [
        "socket",
        "bind",
        "socket",
        "setsockopt",
        "bind",
        "listen",
        "close",
    ];
    assert_eq!(trace.calls("again"), testkit::with_reuse(&again));
    // Another program listens on the fourth port of the range; media1 starts at the last pair
    // and takes it; media2 starts at the middle pair, binds its even port but is refused its
    // odd partner (other's), is refused media1's even port, wraps round and takes the first.
    let other = ["socket", "setsockopt", "bind", "listen", "close"];
    assert_eq!(trace.calls("other"), testkit::with_reuse(&other));
    let held = binds(&trace, "other");
    assert_eq!(held.len(), 1, "{held:?}");
    let port_of = |call: &str| -> u16 {
        let port = call.rsplit_once(':').unwrap().1.trim_end_matches(')');
        port.parse().unwrap()
    };
    let p = port_of(&held[0].1) - 3;
    let bind = |kind: &str, port: u16| (kind.to_string(), format!("bind(127.0.0.1:{port})"));
    assert_eq!(
        binds(&trace, "media1"),
        [bind("call", p + 4), bind("call", p + 5)]
    );
    let media = [
        "socket",
        "setsockopt",
        "bind",
        "socket",
        "setsockopt",
        "bind",
        "listen",
        "listen",
        "close",
        "close",
    ];
    assert_eq!(trace.calls("media1"), testkit::with_reuse(&media));
    assert_eq!(
        binds(&trace, "media2"),
        [
            bind("call", p + 2),
            bind("error", p + 3),
            bind("error", p + 4),
            bind("call", p),
            bind("call", p + 1)
        ]
    );
    // Before them, the probe found those six ports free: a socket with SO_REUSEADDR (as the
    // servers set) bound to each and closed again, every call in the trace (a taken port on
    // the way is an error, then the next window).
    let probed = binds(&trace, "probe");
    let six: Vec<_> = (p..p + 6).map(|port| bind("call", port)).collect();
    assert!(probed.ends_with(&six), "{probed:?}");
    let calls = trace.calls("probe");
    let each = testkit::with_reuse(&["socket", "setsockopt", "bind", "close"]);
    let last = &calls[calls.len().saturating_sub(6 * each.len())..];
    assert_eq!(last, vec![each.clone(); 6].concat());
    assert_eq!(calls.len() % each.len(), 0, "{calls:?}");
}

/// The bind() calls of one side, as (event kind, call): `("error", "bind(127.0.0.1:7002)")`.
fn binds(trace: &Trace, who: &str) -> Vec<(String, String)> {
    let binds = trace.of(who).filter(|e| e.name() == "bind");
    binds.map(|e| (e.kind.clone(), e.call.clone())).collect()
}

#[test]
#[cfg(target_os = "linux")]
fn the_kernel_lists_a_bound_socket_then_a_listener_and_keeps_time_wait() {
    // Bound but not listening: sock_diag lists such a socket since Linux 6.8 (state
    // TCP_BOUND_INACTIVE); older kernels leave it out of every table.
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let version: Vec<u32> = release
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .filter_map(|p| p.parse().ok())
        .collect();
    let after_bind = match version.as_slice() >= [6, 8].as_slice() {
        true => "BOUND_INACTIVE",
        false => "no",
    };
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Bound, listening, its end of the connection after it closed first, and, once the
    // listener is closed too, the connection still in TIME_WAIT on its port.
    assert_eq!(
        trace.states("server"),
        [after_bind, "LISTEN", "FIN_WAIT2", "TIME_WAIT"]
    );
    assert_eq!(trace.states("client"), ["ESTABLISHED", "no"]);
    assert_eq!(trace.states("again"), ["LISTEN"]);
}

#[test]
fn the_demo_rebinds_the_very_port_it_was_given() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let addr = trace.ready().expect("a listening line");
    assert_ne!(addr.port(), 0);
    // The second server binds the port the first one was given, not port 0 again: refused
    // without SO_REUSEADDR, bound with it.
    let call = format!("bind({addr})");
    let expected = [
        ("error".to_string(), call.clone()),
        ("call".to_string(), call),
    ];
    assert_eq!(binds(&trace, "again"), expected);
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = traced_server(&[]);
    let (run, trace) = lesson(BIN).client(server.addr).traced();
    run.success();
    let addr = server.addr;
    server.finish().success();
    let server_trace = server_trace.read();
    assert_eq!(server_trace.ready(), Some(addr));
    assert_eq!(trace.sent("client"), b"hello\n");
    assert_eq!(server_trace.received("server"), b"hello\n");
    // The server tells the client the address it sees it at: the one its socket got at
    // connect() (the kernel view names both ends of the client's connection).
    let answer = String::from_utf8(trace.received("client")).unwrap();
    assert_eq!(server_trace.sent("server"), answer.as_bytes());
    let seen = answer
        .strip_prefix("you are ")
        .expect("an answer")
        .trim_end();
    assert!(
        seen.starts_with("127.0.0.1:") && seen != addr.to_string(),
        "{seen}"
    );
    let connect = trace.of("client").find(|e| e.name() == "connect").unwrap();
    assert_eq!(connect.call, format!("connect({addr})"));
    #[cfg(target_os = "linux")]
    {
        let view = trace.of("client").find(|e| e.kind == "kernel").unwrap();
        assert!(view.text.contains(&format!("{seen} -> {addr}")), "{view:?}");
    }
}

#[test]
fn a_raw_client_is_told_its_own_address_then_end_of_stream() {
    let server = start_server(&[]);
    let mut conn = Conn::open(server.addr);
    let me = conn.stream().local_addr().unwrap();
    // Split the line in two sends: the server must keep reading until the newline.
    conn.send(b"hel");
    conn.send(b"lo\n")
        .expect(format!("you are {me}\n").as_bytes())
        .expect_eof();
    server.finish().success();
}

#[test]
fn a_fixed_port_is_bound_as_asked() {
    let _choosing = choosing_ports();
    let addr = format!("127.0.0.1:{}", free_port());
    let server = start_server(&["--addr", &addr]);
    assert_eq!(server.addr.to_string(), addr);
    be_its_client(&server);
    server.finish().success();
}

#[test]
fn a_second_server_on_the_same_address_fails_cleanly() {
    let first = start_server(&[]);
    let addr = first.addr.to_string();
    let trace = failing_server(&["--addr", &addr]);
    let in_use = (
        format!("bind({addr})"),
        "address already in use".to_string(),
    );
    assert_eq!(the_error(&trace, "server"), in_use);
    assert_eq!(trace.ready(), None, "it never listened");
    // The first server did not notice, and still serves its client.
    be_its_client(&first);
    first.finish().success();
}

#[test]
#[cfg(target_os = "linux")]
fn every_interface_overlaps_loopback_on_the_same_port() {
    // 0.0.0.0 means "every address of this machine", 127.0.0.1 included: on Linux the two
    // overlap. Only bind() is tried here, and it fails, so nothing listens beyond loopback.
    // (Elsewhere, with SO_REUSEADDR, the wildcard bind may succeed: no test there.)
    let first = start_server(&[]);
    let wildcard = format!("0.0.0.0:{}", first.addr.port());
    let trace = failing_server(&["--addr", &wildcard]);
    let in_use = (
        format!("bind({wildcard})"),
        "address already in use".to_string(),
    );
    assert_eq!(the_error(&trace, "server"), in_use);
    be_its_client(&first);
    first.finish().success();
}

#[test]
#[cfg(unix)]
fn a_restart_during_time_wait_needs_so_reuseaddr() {
    // One whole exchange; the server closes first, so its end of the connection stays in
    // TIME_WAIT (or FIN_WAIT2 for a moment) on the server's port after both have exited.
    let first = start_server(&[]);
    let first_addr = first.addr;
    let addr = first_addr.to_string();
    be_its_client(&first);
    first.finish().success();

    let trace = failing_server(&["--addr", &addr, "--no-reuseaddr"]);
    assert_eq!(trace.calls("server"), ["socket", "bind"]);
    let in_use = (
        format!("bind({addr})"),
        "address already in use".to_string(),
    );
    assert_eq!(the_error(&trace, "server"), in_use);

    // With SO_REUSEADDR (the default), the same port binds at once.
    let again = start_server(&["--addr", &addr]);
    assert_eq!(again.addr, first_addr);
    be_its_client(&again);
    again.finish().success();
}

#[test]
fn an_address_this_machine_does_not_have_cannot_be_bound() {
    // 192.0.2.1 is reserved for documentation: no machine has it.
    let trace = failing_server(&["--addr", "192.0.2.1:0"]);
    let (call, reason) = the_error(&trace, "server");
    assert_eq!(call, "bind(192.0.2.1:0)");
    assert!(reason.starts_with("address not available"), "{reason}");
}

#[test]
fn a_server_given_ports_skips_a_taken_pair_and_serves_on_the_next() {
    let _choosing = choosing_ports();
    let ip: IpAddr = "127.0.0.1".parse().unwrap();
    // Free when looked at is not free a moment later: another process (a demo of this lesson
    // run by another test, probing ports the same way) may take the port in between. Look
    // again then (CI saw it once, 2026-12-03).
    let (first, holder) = (0..10)
        .find_map(|_| {
            let first = free_ports(ip, 4, port_is_free).expect("four free ports in a row");
            TcpListener::bind((ip, first))
                .ok()
                .map(|held| (first, held))
        })
        .expect("the first of four free ports, held (10 tries)");
    let ports = format!("{first}-{}", first + 3);
    let (server, trace) = traced_server(&["--ports", &ports]);
    assert_eq!(server.addr.port(), first + 2);
    be_its_client(&server);
    server.finish().success();
    drop(holder);
    // The search starts at a random port of the range: at the taken pair (then the next), or
    // at the free one.
    let free_pair = vec![
        ("call".to_string(), format!("bind({ip}:{})", first + 2)),
        ("call".to_string(), format!("bind({ip}:{})", first + 3)),
    ];
    let mut after_taken = vec![("error".to_string(), format!("bind({ip}:{first})"))];
    after_taken.extend(free_pair.clone());
    let got = binds(&trace.read(), "server");
    assert!(got == free_pair || got == after_taken, "{got:?}");
}

#[test]
fn a_server_whose_pairs_are_all_taken_names_them_and_fails_cleanly() {
    let first = start_server(&[]);
    let port = first.addr.port();
    // The one pair that holds the first server's port.
    let even = port & !1;
    let ports = format!("{even}-{}", even + 1);
    let (run, trace) = testkit::traced(BIN, &["server", "--ports", &ports]);
    run.clean_failure().stderr_has(&ports);
    let in_use = (
        format!("bind({})", first.addr),
        "address already in use".to_string(),
    );
    assert_eq!(the_error(&trace, "server"), in_use);
    assert_eq!(trace.ready(), None, "it never listened");
    be_its_client(&first);
    first.finish().success();
}

#[test]
fn port_0_or_a_range_without_a_pair_is_refused_before_any_socket() {
    for ports in ["0-10", "7010-7000", "0", "7001-7002", "7003"] {
        let (run, trace) = testkit::traced(BIN, &["server", "--ports", ports]);
        run.clean_failure();
        assert_eq!(
            trace.calls("server"),
            Vec::<String>::new(),
            "--ports {ports}"
        );
    }
    // Not a range at all: a clear error too, never a panic.
    for ports in ["7002-", "a-b", "70000-70010"] {
        lesson(BIN)
            .args(&["server", "--ports", ports])
            .run()
            .clean_failure();
    }
}

#[test]
fn a_line_without_end_is_refused_after_1024_bytes() {
    let (server, trace) = traced_server(&[]);
    let mut conn = Conn::open(server.addr);
    // 2000 bytes and no newline: the server must stop reading at 1024, not wait for more.
    let _ = conn.try_send(&[b'x'; 2000]);
    server.finish().clean_failure();
    let trace = trace.read();
    assert_eq!(trace.received("server"), [b'x'; 1024]);
    assert_eq!(trace.errors("server").len(), 1);
}

#[test]
fn a_client_that_leaves_early_is_reported_by_the_server() {
    let (server, trace) = traced_server(&[]);
    Conn::open(server.addr).send(b"no newline");
    server.finish().clean_failure();
    let trace = trace.read();
    assert_eq!(trace.received("server"), b"no newline");
    let (call, _) = the_error(&trace, "server");
    assert!(call.starts_with("recv"), "{call}");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    // The book shows Linux's usual ephemeral range; a machine set up otherwise still matches.
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .map(|r| r.split_whitespace().collect::<Vec<_>>().join("-"))
        .unwrap_or_default();
    // The demo is about even and odd ports (RTP pairs): the book keeps each port's parity.
    BookOutput::new(BIN, "lesson-02-bind")
        .keep_parity()
        .replace(format!("ports are {range} "), "ports are 32768-60999 ")
        .check();
}

#[test]
fn the_std_and_tokio_ways_bind_port_0_too() {
    lesson(&testkit::example("bind_std_way"))
        .run()
        .success()
        .stdout_has("std: bound to 127.0.0.1:")
        .stdout_has("std: a second bind: address already in use")
        .stdout_has("std: the client got 127.0.0.1:");
    lesson(&testkit::example("bind_tokio_way"))
        .run()
        .success()
        .stdout_has("tokio: bound to 127.0.0.1:")
        .stdout_has("tokio: a second bind: address already in use")
        .stdout_has("tokio: the client got 127.0.0.1:");
}
