//! Lesson 20, checked on what really happens: which family each client came over, what the
//! server told it, which binds and connects the kernel refused. Every test needs IPv6 on the
//! loopback; on a machine without it, each says so and skips (and the lesson says so too).
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::{SocketAddr, TcpStream};

#[cfg(target_os = "linux")]
use testkit::BookOutput;
use testkit::{lesson, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-20-ipv6");

/// Is there IPv6 on the loopback? If not, say so: the test is skipped, visibly.
fn ipv6_here(test: &str) -> bool {
    match std::net::TcpListener::bind("[::1]:0") {
        Ok(_) => true,
        Err(e) => {
            println!("note: {test}: skipped, no IPv6 on the loopback here (bind [::1]:0: {e})");
            false
        }
    }
}

/// The line the server sent to a client connected from `conn`.
fn answer(conn: &mut Conn) -> String {
    conn.read_line()
}

/// What `you are …` should say for this connection: its local address, as the client sees it.
fn you_are(stream: &TcpStream) -> String {
    format!("you are {}", stream.local_addr().unwrap())
}

#[test]
fn the_demo_shows_both_families_on_one_socket_and_the_bind_it_forbids() {
    if !ipv6_here("demo") {
        return;
    }
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // What the clients were told: the IPv4 one as IPv4 (unmapped), the IPv6 one as ::1; then,
    // with --allow 127.0.0.0/8, the IPv4 one (mapped on this socket) served, ::1 refused.
    let told = String::from_utf8(trace.received("client")).unwrap();
    let lines: Vec<&str> = told.lines().collect();
    assert_eq!(lines.len(), 4, "{told:?}");
    assert!(lines[0].starts_with("you are 127.0.0.1:"), "{told:?}");
    assert!(lines[1].starts_with("you are [::1]:"), "{told:?}");
    assert!(lines[2].starts_with("you are 127.0.0.1:"), "{told:?}");
    assert_eq!(lines[3], "not allowed", "{told:?}");
    assert_eq!(trace.sent("server"), trace.received("client"));
    // The kernel's answers: 0.0.0.0 refused next to the dual-stack socket, allowed next to
    // the IPv6-only one; an IPv4 client refused by the IPv6-only one.
    let results = |prefix: &str, who: &str| -> Vec<String> {
        trace
            .of(who)
            .filter(|e| e.kind == "call" && e.call.starts_with(prefix))
            .map(|e| e.result.clone())
            .collect()
    };
    let binds = results("bind(0.0.0.0:", "server");
    assert_eq!(binds.len(), 2, "{binds:?}");
    assert!(binds[0].contains("address already in use"), "{binds:?}");
    assert!(binds[1].starts_with("ok"), "{binds:?}");
    let connects = results("connect(127.0.0.1:", "client");
    assert_eq!(connects.len(), 3, "{connects:?}");
    assert!(connects[0].starts_with("ok"), "{connects:?}");
    assert!(connects[1].starts_with("ok"), "{connects:?}");
    assert!(connects[2].contains("connection refused"), "{connects:?}");
}

#[test]
fn a_dual_stack_server_takes_both_families_and_tells_each_its_own_address() {
    if !ipv6_here("dual stack") {
        return;
    }
    let args = ["--addr", "[::]:0", "--clients", "2"];
    let (server, trace) = testkit::traced_server(BIN, &args);
    let port = server.addr.port();
    for to in [
        SocketAddr::from(([127, 0, 0, 1], port)),
        SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
    ] {
        let mut conn = Conn::open(to);
        let expected = you_are(conn.stream());
        assert_eq!(answer(&mut conn).trim_end(), expected, "connected to {to}");
    }
    server.finish().success();
    // accept() gave the IPv4 client as a mapped address; the answer unmapped it.
    let accepted: Vec<String> = trace
        .read()
        .of("server")
        .filter(|e| e.call == "accept()")
        .map(|e| e.result.clone())
        .collect();
    assert!(accepted[0].contains("[::ffff:127.0.0.1]:"), "{accepted:?}");
    assert!(accepted[1].contains("[::1]:"), "{accepted:?}");
}

#[test]
fn an_allow_list_takes_an_ipv4_client_of_a_dual_stack_socket_for_ipv4() {
    if !ipv6_here("allow") {
        return;
    }
    // IPv4's loopback only: the IPv4 client arrives mapped and is served; ::1 is refused.
    let args = [
        "--addr",
        "[::]:0",
        "--allow",
        "127.0.0.0/8",
        "--clients",
        "3",
    ];
    let server = Server::start(BIN, &[&["server"][..], &args].concat());
    let port = server.addr.port();
    let v4 = SocketAddr::from(([127, 0, 0, 1], port));
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
    let mut conn = Conn::open(v4);
    let expected = you_are(conn.stream());
    assert_eq!(answer(&mut conn).trim_end(), expected);
    let mut conn = Conn::open(v6);
    conn.expect(b"not allowed\n").expect_eof();
    // Two rules, one per family: both served.
    drop(conn);
    let mut conn = Conn::open(v4);
    let expected = you_are(conn.stream());
    assert_eq!(answer(&mut conn).trim_end(), expected);
    server.finish().success();
    let args = [
        "server",
        "--addr",
        "[::]:0",
        "--allow",
        "127.0.0.0/8",
        "--allow",
        "::1",
    ];
    let server = Server::start(BIN, &[&args[..], &["--clients", "1"]].concat());
    let mut conn = Conn::open(SocketAddr::from((
        std::net::Ipv6Addr::LOCALHOST,
        server.addr.port(),
    )));
    let expected = you_are(conn.stream());
    assert_eq!(answer(&mut conn).trim_end(), expected);
    server.finish().success();
}

#[test]
fn a_bad_allow_rule_is_a_clear_error_before_any_socket() {
    for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/", "ten/8"] {
        let run = lesson(BIN)
            .args(&["server", "--addr", "127.0.0.1:0", "--allow", bad])
            .run();
        run.clean_failure()
            .stderr_has(bad)
            .stdout_lacks("listening on");
    }
}

#[test]
fn an_ipv6_only_server_refuses_ipv4() {
    if !ipv6_here("v6only") {
        return;
    }
    let server = Server::start(
        BIN,
        &["server", "--addr", "[::]:0", "--v6only", "--clients", "1"],
    );
    let port = server.addr.port();
    let refused = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)));
    assert_eq!(
        refused.err().map(|e| e.kind()),
        Some(std::io::ErrorKind::ConnectionRefused)
    );
    let mut conn = Conn::open(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)));
    let expected = you_are(conn.stream());
    assert_eq!(answer(&mut conn).trim_end(), expected);
    server.finish().success();
}

#[test]
fn our_client_by_name_and_an_ipv4_server() {
    // No IPv6 needed: an IPv4 server is an ordinary socket, and `localhost` has 127.0.0.1.
    let server = Server::start(BIN, &["server", "--addr", "127.0.0.1:0", "--clients", "1"]);
    let port = server.addr.port();
    let name = format!("localhost:{port}");
    lesson(BIN)
        .args(&["client", "--addr", &name])
        .run()
        .success()
        .stdout_has("you are 127.0.0.1:");
    server.finish().success();
}

#[cfg(target_os = "linux")]
#[test]
fn the_book_shows_what_the_demo_prints() {
    // Linux only: the demo prints the system's default for IPV6_V6ONLY, which is off on
    // Linux (net.ipv6.bindv6only = 0) and on elsewhere.
    if !ipv6_here("book output") {
        return;
    }
    BookOutput::new(BIN, "lesson-20-ipv6")
        .keep_port(7020)
        .check();
}
