//! Lesson 03's exchange, checked for real: clients queue up before accept(), the accept queue
//! grows and shrinks, a socket that does not listen refuses, a full queue, and failures.

use std::time::{Duration, Instant};

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-03-listen");

/// A raw client: send a name, expect the greeting, expect end of stream.
fn greet(conn: &mut Conn, name: &str, number: usize) {
    conn.send(format!("{name}\n").as_bytes())
        .expect(format!("hello {name}, you are number {number}\n").as_bytes())
        .expect_eof();
}

#[test]
fn the_demo_queues_three_clients_then_accepts_them_in_order() {
    lesson(BIN).run().success().lines_in_order(&[
        "server  bind(127.0.0.1:0) -> ok, bound to 127.0.0.1:",
        "early   connect(127.0.0.1:",
        "early   -- as expected: a bound socket that does not listen refuses connections",
        "server  listen(backlog=3) -> ok",
        "listening on 127.0.0.1:",
        "alice   connect(127.0.0.1:",
        "alice   send(b\"alice\\n\") -> 6 bytes",
        "bob     connect(127.0.0.1:",
        "bob     send(b\"bob\\n\") -> 4 bytes",
        "carol   connect(127.0.0.1:",
        "carol   send(b\"carol\\n\") -> 6 bytes",
        // Only now does the server accept, oldest first.
        "server  accept() -> ok",
        "server  recv(33) -> 6 bytes: b\"alice\\n\"",
        "server  send(b\"hello alice, you are number 1\\n\") -> 30 bytes",
        "alice   recv(33) -> 30 bytes: b\"hello alice, you are number 1\\n\"",
        "server  accept() -> ok",
        "server  recv(33) -> 4 bytes: b\"bob\\n\"",
        "bob     recv(33) -> 28 bytes: b\"hello bob, you are number 2\\n\"",
        "server  accept() -> ok",
        "carol   recv(33) -> 30 bytes: b\"hello carol, you are number 3\\n\"",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn without_listen_a_connection_is_refused() {
    lesson(BIN)
        .run()
        .success()
        .lines_in_order(&[
            "server  bind(127.0.0.1:0)",
            "-> error: connection refused",
            "server  listen(backlog=3) -> ok",
        ])
        .stdout_lacks("early   connect(127.0.0.1:0)");
}

#[test]
#[cfg(target_os = "linux")]
fn the_kernel_shows_the_accept_queue_grow_and_shrink() {
    lesson(BIN).run().success().lines_in_order(&[
        // Bound but not listening: not a LISTEN entry (since Linux 6.8 sock_diag lists it as
        // BOUND_INACTIVE; before, no entry at all). The backlog shows once it listens.
        "server  bind(127.0.0.1:0) -> ok",
        "server  kernel: LISTEN 127.0.0.1:",
        "alice   kernel: ESTABLISHED",
        ", accept queue 1 (backlog 3)",
        "bob     kernel: ESTABLISHED",
        ", accept queue 2",
        "carol   kernel: ESTABLISHED",
        ", accept queue 3",
        // alice's 6 bytes arrived before accept(): they wait in the new socket.
        "server  accept() -> ok",
        "receive queue 6 B",
        ", accept queue 2",
        "server  accept() -> ok",
        "receive queue 4 B",
        ", accept queue 1",
        "server  accept() -> ok",
        ", accept queue 0",
    ]);
}

#[test]
#[cfg(target_os = "linux")]
fn a_full_queue_leaves_the_next_client_waiting() {
    // Linux lets backlog + 1 connections wait; the next client's SYN is ignored, and its
    // connect() would retry for minutes. The demo gives up after half a second.
    lesson(BIN)
        .args(&["--backlog", "1"])
        .run()
        .success()
        .lines_in_order(&[
            "server  listen(backlog=1) -> ok",
            "alice   connect(127.0.0.1:",
            ", accept queue 1",
            "bob     connect(127.0.0.1:",
            ", accept queue 2",
            ") -> error: timed out",
            "carol   -- no answer: the accept queue is full, and the kernel ignored our SYN",
            ", accept queue 2",
            "alice   recv(33) -> 30 bytes: b\"hello alice, you are number 1\\n\"",
            "bob     recv(33) -> 28 bytes: b\"hello bob, you are number 2\\n\"",
            "server  close(listener) -> ok",
        ])
        .stdout_lacks("carol   recv");
}

#[test]
#[cfg(target_os = "linux")]
fn two_processes_clients_wait_in_the_servers_accept_queue() {
    // Step mode: the server stops before each call until it reads a newline. Four for
    // socket, SO_REUSEADDR, bind and listen; then it waits before its first accept().
    let stdin: &[u8] = if cfg!(unix) { b"\n\n\n\n" } else { b"\n\n\n" };
    let mut server = lesson(BIN)
        .args(&["--step", "--clients", "2"])
        .stdin(stdin)
        .server();
    server.wait_for("[step] next: server accept()");
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
    server.finish().success().lines_in_order(&[
        "server  listen(backlog=3) -> ok",
        "server  accept() -> ok",
        // After the first accept, one connection is still waiting.
        ", accept queue 1",
        "server  send(b\"hello alice, you are number 1\\n\") -> 30 bytes",
        "server  accept() -> ok",
        ", accept queue 0",
        "server  close(listener) -> ok",
    ]);
}

#[test]
fn server_and_client_in_two_processes() {
    let server = Server::start(BIN, &["--clients", "1"]);
    lesson(BIN)
        .client(server.addr)
        .args(&["--name", "zoë"])
        .run()
        .success()
        .lines_in_order(&[
            &format!("client  connect({}) -> ok", server.addr),
            "client  send(b\"zo\\xc3\\xab\\n\") -> 5 bytes",
            "client  close(client socket) -> ok",
            "answer: hello zoë, you are number 1",
        ]);
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  listen(backlog=3) -> ok",
        "server  accept() -> ok",
        "server  send(b\"hello zo\\xc3\\xab, you are number 1\\n\") -> 29 bytes",
        "server  close(listener) -> ok",
    ]);
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
fn a_backlog_of_zero_is_refused_with_a_reason() {
    lesson(BIN)
        .args(&["--backlog", "0"])
        .run()
        .clean_failure()
        .stderr_has("error: listen(backlog=0): a backlog of 0 leaves no room");
}

#[test]
fn bad_flags_are_explained() {
    lesson(BIN)
        .args(&["--clients", "9"])
        .run()
        .clean_failure()
        .stderr_has("--clients 9: use 1 to 8");
    lesson(BIN)
        .args(&["--backlog", "many"])
        .run()
        .clean_failure()
        .stderr_has("--backlog many: not a valid value");
}

// Clients that misbehave. Each is followed by a well-behaved client, who must be served, and
// promptly: one rude client must never end the server, nor hold it past the --timeout.

/// Start a server for one client with a 1 s limit, let `rude` do its worst, then check that a
/// normal client is still served (as number 1: the rude one was not served) within `bound`,
/// and that the server reported the rude client with `reported`.
#[track_caller]
fn survives(rude: impl FnOnce(std::net::SocketAddr), reported: &str) -> Duration {
    let server = Server::start(BIN, &["--clients", "1", "--timeout", "1000"]);
    let started = Instant::now();
    rude(server.addr);
    let mut next = Conn::open(server.addr);
    greet(&mut next, "alice", 1);
    let took = started.elapsed();
    let run = server.finish();
    run.success().stdout_has(reported);
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
        |addr| {
            let mut conn = Conn::open(addr);
            std::thread::spawn(move || {
                for _ in 0..33 {
                    if conn.try_send(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
            });
        },
        "no whole line within 1000 ms",
    );
    assert!(
        took >= Duration::from_millis(900),
        "cut off too early: {took:?}"
    );
}

#[test]
fn a_silent_client_is_cut_off_at_the_deadline() {
    let mut silent = None;
    survives(
        |addr| silent = Some(Conn::open(addr)),
        "no whole line within 1000 ms",
    );
    // The server closed it: it reads end of stream, and no greeting.
    silent.unwrap().expect_eof();
}

#[test]
#[cfg(target_os = "linux")]
fn a_stop_and_continue_does_not_end_the_server() {
    // Ctrl-Z and `fg`: SIGSTOP, then SIGCONT. A recv() with a timeout interrupted that way
    // fails with EINTR (signal(7)); the server must wait again, not drop the client.
    let mut server = Server::start(BIN, &["--clients", "1", "--timeout", "5000"]);
    let mut conn = Conn::open(server.addr);
    server.wait_for("server  accept() -> ok");
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
    server.finish().success().stdout_lacks("interrupted");
}

#[test]
#[cfg(target_os = "linux")]
fn running_out_of_descriptors_does_not_end_the_server() {
    // The running server's soft descriptor limit set to its lowest free descriptor: accept()
    // fails with EMFILE. It must say so, wait (not spin), and serve once the limit is back.
    let mut server = Server::start(BIN, &["--clients", "1", "--timeout", "1000"]);
    // The kernel view opens a netlink socket for a moment; the second LISTEN line is printed
    // once that is closed again, right before the first accept(). Read the descriptors then.
    server.wait_for("server  kernel: LISTEN");
    server.wait_for("server  kernel: LISTEN");
    let pid = server.pid();
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap();
    let open: Vec<u64> = fds
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect();
    let free = (0..).find(|fd| !open.contains(fd)).unwrap();
    let limits = |soft: &str| {
        testkit::hostile::prlimit(&["--pid", &pid.to_string(), &format!("--nofile={soft}:")])
    };
    limits(&free.to_string());
    // The accept() the server is already in took its descriptor number before the limit
    // came down, so the first connection gets in (and, silent, is cut after 1 s); the
    // next one meets EMFILE.
    let _first = Conn::open(server.addr);
    let mut conn = Conn::open(server.addr);
    server.wait_for("accept() -> error: too many open files");
    server.wait_for("-- trying again in");
    limits("1024");
    assert!(server.is_running(), "the server exited without descriptors");
    greet(&mut conn, "alice", 1);
    server.finish().success();
}

#[test]
fn a_server_for_ever_serves_clients_after_rude_ones() {
    // --clients 0: until stopped. Rude and polite clients take turns.
    let mut server = Server::start(BIN, &["--clients", "0", "--timeout", "1000"]);
    for number in 1..=3 {
        Conn::open(server.addr).send(b"\x01\n");
        let mut conn = Conn::open(server.addr);
        greet(&mut conn, "bob", number);
    }
    assert!(server.is_running());
    server
        .stop()
        .stdout_has("a name must be 1 to 32 printable characters");
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
    lesson(BIN)
        .args(&["--rude"])
        .run()
        .success()
        .lines_in_order(&[
            "trudy   send(b\"\\xfftrudy\\n\") -> 7 bytes",
            "alice   recv(33) -> 30 bytes: b\"hello alice, you are number 1\\n\"",
            "server  recv(33) -> 7 bytes: b\"\\xfftrudy\\n\"",
            "error: the name is not UTF-8 text",
            "trudy   recv(33) -> 0 bytes: end of stream",
            "carol   recv(33) -> 30 bytes: b\"hello carol, you are number 2\\n\"",
            "server  close(listener) -> ok",
        ]);
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
    lesson(&testkit::example("listen_std_way"))
        .run()
        .success()
        .stdout_has(
            "std: 3 clients connected before accept; answers: number 1, number 2, number 3",
        );
    lesson(&testkit::example("listen_tokio_way"))
        .run()
        .success()
        .stdout_has(
            "tokio: 3 clients connected before accept; answers: number 1, number 2, number 3",
        );
}

#[test]
#[cfg(target_os = "linux")]
fn std_and_tokio_listen_with_a_backlog_of_128() {
    // The chapter's table says so; a run says it with the versions this workspace locks.
    lesson(BIN)
        .args(&["--std"])
        .run()
        .success()
        .lines_in_order(&[
            "), again and again -> 129 connected, the next one: timed out",
            ", accept queue 129",
        ]);
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
    let run = lesson(BIN).args(&["--backlog", "1"]).run();
    run.success().lines_in_order(&[
        "carol   socket(",
        ") -> error: timed out",
        "alice   recv(33) -> 30 bytes",
        "yann    setsockopt(TCP_QUICKACK, 0) -> ok",
        "zoe     setsockopt(TCP_QUICKACK, 0) -> ok",
        "zoe     send(b\"zoe\\n\") -> 4 bytes",
        // Her 4 bytes are sent and not acknowledged: nobody on the other side took them.
        "zoe     kernel: ESTABLISHED",
        "server  kernel: SYN_RECV 127.0.0.1:",
        ", accept queue 2",
        "server  -- the kernel counted the dropped ACK: ListenOverflows went up",
        "bob     recv(33) -> 28 bytes: b\"hello bob, you are number 2\\n\"",
        // Room again: a retransmission completes her connection, her bytes with it.
        "zoe     -- a retransmission found room: our bytes are acknowledged at last",
        "receive queue 4 B",
        "yann    recv(33) -> 29 bytes: b\"hello yann, you are number 3\\n\"",
        "zoe     recv(33) -> 28 bytes: b\"hello zoe, you are number 4\\n\"",
    ]);
    let zoe = run
        .stdout
        .lines()
        .find(|l| l.starts_with("zoe     kernel: ESTABLISHED") && l.contains("send queue 4 B"));
    assert!(
        zoe.is_some(),
        "zoe's bytes should wait unacknowledged\n{}",
        run.transcript()
    );
}
