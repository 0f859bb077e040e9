//! Lesson 02's exchange, checked for real: port 0 and the port the kernel chose, the address
//! already in use, SO_REUSEADDR after TIME_WAIT, the client's implicit bind, and failures.

use std::net::{SocketAddr, TcpListener};

use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-02-bind");

/// Start the server on port 0, and check it reports the port the kernel chose.
fn start_server(args: &[&str]) -> Server {
    let mut server = Server::start(BIN, args);
    if server.addr.port() == 0 {
        let run = server.stop();
        testkit::fail(
            "The server says it listens on port 0: that is the port it ASKED for, not the one \
             the kernel chose. bind_to must return socket.local_addr() after bind().",
            "listening on 127.0.0.1:<a real port>",
            &run.transcript(),
        );
    }
    server
}

/// A port that was free a moment ago (bind port 0, note the port, close the socket).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
    lesson(BIN).run().success().lines_in_order(&[
        "server  socket(AF_INET, SOCK_STREAM) -> ok",
        "server  bind(127.0.0.1:0) -> ok, the kernel chose a free port: 127.0.0.1:",
        "server  listen(backlog=128) -> ok",
        "listening on 127.0.0.1:",
        "rival   setsockopt(SO_REUSEADDR, 1) -> ok",
        "rival   -- as expected: the listening socket holds this address",
        "client  getsockname() -> no address yet (port 0)",
        "client  connect(127.0.0.1:",
        "client  getsockname() -> 127.0.0.1:",
        "server  accept() -> ok, the client is at 127.0.0.1:",
        "client  send(b\"hello\\n\") -> 6 bytes",
        "server  recv(1024, MSG_PEEK) -> 6 bytes: b\"hello\\n\"",
        "server  send(b\"you are 127.0.0.1:",
        "server  close(connection) -> ok",
        "client  recv(1024, MSG_PEEK) -> 24 bytes: b\"you are 127.0.0.1:",
        "client  -- the server sees us at the address getsockname() gave us",
        "client  close(client socket) -> ok",
        "server  close(listener) -> ok",
        "again   socket(AF_INET, SOCK_STREAM) -> ok",
        "again   -- without SO_REUSEADDR, the connection in TIME_WAIT still holds the port",
        "again   setsockopt(SO_REUSEADDR, 1) -> ok",
        "again   listen(backlog=128) -> ok",
        "again   close(listener) -> ok",
    ]);
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
        true => "server  kernel: BOUND_INACTIVE 127.0.0.1:",
        false => "server  kernel: no TCP entry",
    };
    lesson(BIN).run().success().lines_in_order(&[
        "server  bind(127.0.0.1:0) -> ok",
        after_bind,
        "the port it chose is one of them",
        "server  kernel: LISTEN 127.0.0.1:",
        "client  kernel: ESTABLISHED 127.0.0.1:",
        // The server closed first; after the client's close its end waits in TIME_WAIT.
        "server  kernel: TIME_WAIT 127.0.0.1:",
        "again   kernel: LISTEN 127.0.0.1:",
    ]);
}

#[test]
fn the_demo_rebinds_the_very_port_it_was_given() {
    let run = lesson(BIN).run();
    run.success();
    let listening = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("listening on "))
        .expect("a listening line");
    let addr: SocketAddr = listening.parse().unwrap();
    assert_ne!(addr.port(), 0, "{}", run.stdout);
    // The second server binds the port the first one was given, not port 0 again.
    run.lines_in_order(&[
        &format!("again   bind({addr}) -> error: address already in use"),
        &format!("again   bind({addr}) -> ok, bound to {addr}"),
    ]);
}

#[test]
fn server_and_client_in_two_processes() {
    let server = start_server(&[]);
    let client = lesson(BIN).client(server.addr).run();
    client.success().lines_in_order(&[
        "client  getsockname() -> no address yet (port 0)",
        &format!("client  connect({}) -> ok", server.addr),
        "client  getsockname() -> 127.0.0.1:",
        "client  send(b\"hello\\n\") -> 6 bytes",
        "client  -- the server sees us at the address getsockname() gave us",
        "answer: you are 127.0.0.1:",
        "client  close(client socket) -> ok",
    ]);
    // The address the server saw is the one the client's socket got at connect().
    let client_addr = client
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("answer: you are "))
        .expect("an answer line")
        .to_string();
    assert!(
        client.stdout.contains(&format!(
            "getsockname() -> {client_addr}, an ephemeral port"
        )),
        "{}",
        client.stdout
    );
    server.finish().success().lines_in_order(&[
        "listening on 127.0.0.1:",
        "server  bind(127.0.0.1:0) -> ok, the kernel chose a free port: 127.0.0.1:",
        &format!("server  accept() -> ok, the client is at {client_addr}"),
        "server  recv(1024, MSG_PEEK) -> 6 bytes: b\"hello\\n\"",
        &format!("server  send(b\"you are {client_addr}\\n\") -> 24 bytes"),
        "server  close(listener) -> ok",
    ]);
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
    let addr = format!("127.0.0.1:{}", free_port());
    let server = start_server(&["--addr", &addr]);
    assert_eq!(server.addr.to_string(), addr);
    be_its_client(&server);
    server
        .finish()
        .success()
        .lines_in_order(&[&format!("server  bind({addr}) -> ok, bound to {addr}")])
        .stdout_lacks("ephemeral ports are");
}

#[test]
fn a_second_server_on_the_same_address_fails_cleanly() {
    let first = start_server(&[]);
    let addr = first.addr.to_string();
    lesson(BIN)
        .args(&["server", "--addr", &addr])
        .run()
        .clean_failure()
        .lines_in_order(&[&format!(
            "server  bind({addr}) -> error: address already in use"
        )])
        .stderr_has(&format!("error: bind({addr}): address already in use — "))
        .stderr_has("another socket already uses port")
        .stderr_has("--addr 127.0.0.1:0");
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
    lesson(BIN)
        .args(&["server", "--addr", &wildcard])
        .run()
        .clean_failure()
        .stderr_has(&format!("bind({wildcard}): address already in use"));
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

    lesson(BIN)
        .args(&["server", "--addr", &addr, "--no-reuseaddr"])
        .run()
        .clean_failure()
        .stdout_lacks("setsockopt(SO_REUSEADDR")
        .stderr_has(&format!("bind({addr}): address already in use"))
        .stderr_has("TIME_WAIT");

    // With SO_REUSEADDR (the default), the same port binds at once.
    let again = start_server(&["--addr", &addr]);
    assert_eq!(again.addr, first_addr);
    be_its_client(&again);
    again.finish().success();
}

#[test]
fn an_address_this_machine_does_not_have_cannot_be_bound() {
    // 192.0.2.1 is reserved for documentation: no machine has it.
    lesson(BIN)
        .args(&["server", "--addr", "192.0.2.1:0"])
        .run()
        .clean_failure()
        .stderr_has("bind(192.0.2.1:0): address not available on this machine");
}

#[test]
fn a_line_without_end_is_refused_after_1024_bytes() {
    let server = start_server(&[]);
    let mut conn = Conn::open(server.addr);
    // 2000 bytes and no newline: the server must stop reading at 1024, not wait for more.
    let _ = conn.try_send(&[b'x'; 2000]);
    server
        .finish()
        .clean_failure()
        .stderr_has("no newline in the first 1024 bytes");
}

#[test]
fn a_client_that_leaves_early_is_reported_by_the_server() {
    let server = start_server(&[]);
    Conn::open(server.addr).send(b"no newline");
    server
        .finish()
        .clean_failure()
        .stderr_has("the peer closed before sending a whole line");
}

#[test]
fn help_explains_the_exchange_and_the_flag() {
    lesson(BIN)
        .args(&["--help"])
        .run()
        .success()
        .stdout_has("--no-reuseaddr")
        .stdout_has("printf 'hello\\n' | nc 127.0.0.1 7002");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    // The book shows Linux's usual ephemeral range; a machine set up otherwise still matches.
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .map(|r| r.split_whitespace().collect::<Vec<_>>().join("-"))
        .unwrap_or_default();
    BookOutput::new(BIN, "lesson-02-bind")
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
