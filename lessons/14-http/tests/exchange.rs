#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! Lesson 14's exchange, checked for real: the demo, two processes, raw requests byte by byte,
//! curl, and the ways a request can go wrong. The checks read the bytes, the calls and the
//! errors from the trace (`--trace`), and the exit codes; the wording is pinned once, by the
//! book's output files.

use testkit::{lesson, BookOutput, Conn, Run, Server, Trace};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-14-http");

/// Start a server for one connection, send `request`, read until the server closes.
/// Returns what came back and the server's transcript (checked for a clean exit first, so
/// that an unfinished exercise says "todo!() reached" rather than "wrong bytes").
fn ask(request: &[u8]) -> (Vec<u8>, Run) {
    let (got, run, _) = ask_with(request, &[]);
    (got, run)
}

/// `ask`, with more arguments for the server, and the server's trace.
fn ask_with(request: &[u8], args: &[&str]) -> (Vec<u8>, Run, Trace) {
    let (server, trace) = testkit::traced_server(BIN, &[&["--max", "1"], args].concat());
    let mut conn = Conn::open(server.addr);
    conn.send(request);
    let got = conn.read_to_end();
    drop(conn);
    let run = server.finish();
    run.success();
    (got, run, trace.read())
}

/// One side's bytes of one kind (`send` or `recv`), one entry per connection: a connection
/// starts at each call named `start` (`connect` for a client, `accept` for the server).
fn per_connection(trace: &Trace, who: &str, start: &str, kind: &str) -> Vec<Vec<u8>> {
    let mut connections: Vec<Vec<u8>> = Vec::new();
    for event in trace.of(who) {
        if event.kind == "call" && event.name() == start {
            connections.push(Vec::new());
        } else if let (true, Some(bytes), Some(last)) = (
            event.kind == kind,
            event.bytes.as_deref(),
            connections.last_mut(),
        ) {
            last.extend_from_slice(bytes);
        }
    }
    connections
}

/// No side of the run reported an error.
#[track_caller]
fn no_errors(trace: &Trace, sides: &[&str]) {
    for who in sides {
        assert_eq!(trace.errors(who), [], "{who}'s errors");
    }
}

/// A connection's thread, from its first recv to its close.
const SERVED: [&str; 5] = ["recv", "send", "shutdown", "recv", "close"];

/// Compare bytes, and say plainly what differs (testkit adds the lesson's hint).
#[track_caller]
fn same_bytes(got: &[u8], expected: &[u8], run: &Run) {
    if got != expected {
        testkit::fail(
            "The server sent different bytes.",
            &expected.escape_ascii().to_string(),
            &format!(
                "{}\n\n--- server transcript ---\n{}",
                got.escape_ascii(),
                run.transcript()
            ),
        );
    }
}

/// The status line of a response.
fn status_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.split("\r\n").next().unwrap_or("").to_string()
}

/// Split a response into head and body, and check that Content-Length is the body's length.
#[track_caller]
fn check_content_length(bytes: &[u8]) -> (String, Vec<u8>) {
    let at = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no CRLF CRLF in {}", bytes.escape_ascii()));
    let head = String::from_utf8_lossy(&bytes[..at]).into_owned();
    let body = bytes[at + 4..].to_vec();
    let length: usize = head
        .split("\r\n")
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap_or_else(|| panic!("no Content-Length in {head:?}"))
        .parse()
        .unwrap();
    assert_eq!(
        length,
        body.len(),
        "Content-Length must count the body's bytes: {}",
        bytes.escape_ascii()
    );
    (head, body)
}

#[test]
fn the_demo_sends_four_requests_and_shows_the_bytes() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    let requests: [&[u8]; 4] = [
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"HELLO?\r\n\r\n",
    ];
    // Four connections, one request each, every byte as sent.
    assert_eq!(
        per_connection(&trace, "client", "connect", "send"),
        requests
    );
    assert_eq!(per_connection(&trace, "server", "accept", "recv"), requests);
    let responses = per_connection(&trace, "server", "accept", "send");
    assert_eq!(
        per_connection(&trace, "client", "connect", "recv"),
        responses
    );
    let statuses: Vec<String> = responses.iter().map(|r| status_line(r)).collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found",
            "HTTP/1.1 400 Bad Request"
        ]
    );
    for response in &responses {
        check_content_length(response);
    }
    assert!(responses[1].ends_with("\r\n\r\nhéllo\n".as_bytes()));
    // Each exchange: the server answers, sends FIN, waits for the client's, then closes.
    let server = trace.calls("server");
    let first = server.iter().position(|c| c == "accept").unwrap();
    let exchange: Vec<&str> = ["accept", "setsockopt"].into_iter().chain(SERVED).collect();
    assert_eq!(server[first..], exchange.repeat(4)[..]);
    let client = ["connect", "send", "recv", "recv", "close"];
    assert_eq!(trace.calls("client"), client.repeat(4));
    no_errors(&trace, &["server", "client"]);
}

#[test]
fn server_and_client_in_two_processes() {
    let (server, server_trace) = testkit::traced_server(BIN, &["--max", "2"]);
    let (run, trace) = lesson(BIN).client(server.addr).traced();
    // What the client prints is its product: the status line and the body.
    run.success()
        .lines_in_order(&["status: HTTP/1.1 200 OK", "body: héllo"]);
    let request = trace.sent("client");
    assert!(request.starts_with(b"GET /hello HTTP/1.1\r\nHost: "));
    assert!(request.ends_with(b"\r\n\r\n"));
    assert!(trace
        .received("client")
        .ends_with("\r\n\r\nhéllo\n".as_bytes()));
    let calls = trace.calls("client");
    assert_eq!(calls[..3], ["connect", "setsockopt", "send"]);
    assert_eq!(calls.last().map(String::as_str), Some("close"));
    lesson(BIN)
        .client(server.addr)
        .args(&["--path", "/missing"])
        .run()
        .success()
        .lines_in_order(&[
            "status: HTTP/1.1 404 Not Found",
            "body: 404 Not Found: nothing at /missing",
        ]);
    server.finish().success();
    // Each connection on a thread of its own, narrated as conn1 and conn2.
    let trace = server_trace.read();
    let accepted = trace
        .calls("server")
        .iter()
        .filter(|c| *c == "accept")
        .count();
    assert_eq!(accepted, 2);
    assert_eq!(trace.received("conn1"), request);
    assert_eq!(status_line(&trace.sent("conn2")), "HTTP/1.1 404 Not Found");
    for conn in ["conn1", "conn2"] {
        assert_eq!(trace.calls(conn), SERVED, "{conn}");
    }
    no_errors(&trace, &["server", "conn1", "conn2"]);
}

#[test]
fn hello_is_exactly_these_bytes_with_content_length_in_bytes() {
    let request = b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let (got, run, trace) = ask_with(request, &[]);
    same_bytes(
        &got,
        "HTTP/1.1 200 OK\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: 7\r\n\
         Connection: close\r\n\
         \r\n\
         héllo\n"
            .as_bytes(),
        &run,
    );
    assert_eq!(trace.received("conn1"), request);
    assert_eq!(trace.sent("conn1"), got);
    // Read, answer, FIN, wait for the client's FIN, close.
    assert_eq!(trace.calls("conn1"), SERVED);
}

#[test]
fn a_head_that_arrives_in_pieces_is_put_back_together() {
    let server = Server::start(BIN, &["--max", "1"]);
    let mut conn = Conn::open(server.addr);
    conn.send(b"GET /hel");
    conn.send(b"lo HTTP/1.1\r\nHo");
    conn.send(b"st: x\r\n\r");
    conn.send(b"\n");
    let got = conn.read_to_end();
    drop(conn);
    let run = server.finish();
    run.success();
    assert_eq!(status_line(&got), "HTTP/1.1 200 OK", "{}", run.transcript());
    assert!(got.ends_with("\r\n\r\nhéllo\n".as_bytes()));
}

#[test]
fn every_page_has_a_correct_content_length() {
    for (path, status, content_type) in [
        ("/", "HTTP/1.1 200 OK", "text/html; charset=utf-8"),
        ("/hello", "HTTP/1.1 200 OK", "text/plain; charset=utf-8"),
        (
            "/hello?lang=fr",
            "HTTP/1.1 200 OK",
            "text/plain; charset=utf-8",
        ),
        ("/headers", "HTTP/1.1 200 OK", "text/plain; charset=utf-8"),
        (
            "/nope",
            "HTTP/1.1 404 Not Found",
            "text/plain; charset=utf-8",
        ),
    ] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nX-Lesson: 14\r\n\r\n");
        let (got, run) = ask(request.as_bytes());
        assert_eq!(status_line(&got), status, "{}", run.transcript());
        let (head, body) = check_content_length(&got);
        assert!(
            head.contains(&format!("\r\nContent-Type: {content_type}\r\n")),
            "{head}"
        );
        assert!(head.ends_with("\r\nConnection: close"), "{head}");
        if path == "/headers" {
            assert_eq!(body, b"Host: localhost\nX-Lesson: 14\n");
        }
    }
}

#[test]
fn unknown_paths_get_404_and_other_methods_405() {
    let (got, run) = ask(b"GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n");
    same_bytes(
        &got,
        b"HTTP/1.1 404 Not Found\r\n\
          Content-Type: text/plain; charset=utf-8\r\n\
          Content-Length: 32\r\n\
          Connection: close\r\n\
          \r\n\
          404 Not Found: nothing at /nope\n",
        &run,
    );
    let (got, run) =
        ask(b"POST /hello HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc");
    same_bytes(
        &got,
        b"HTTP/1.1 405 Method Not Allowed\r\n\
          Content-Type: text/plain; charset=utf-8\r\n\
          Allow: GET\r\n\
          Content-Length: 51\r\n\
          Connection: close\r\n\
          \r\n\
          405 Method Not Allowed: this server only knows GET\n",
        &run,
    );
}

#[test]
fn malformed_requests_get_400_with_the_reason() {
    for (request, reason) in [
        (&b"HELLO?\r\n\r\n"[..], "bad request line"),
        (
            b"GET  /hello HTTP/1.1\r\nHost: x\r\n\r\n",
            "bad request line",
        ),
        (b"GET /hello HTTP/2\r\nHost: x\r\n\r\n", "bad request line"),
        (
            b"GET /hello HTTP/1.1\nHost: x\n\n",
            "lines must end with CRLF",
        ),
        (
            b"GET /hello HTTP/1.1\r\nHost: x\n\r\n",
            "lines must end with CRLF",
        ),
        (b"GET /h\xe9llo HTTP/1.1\r\nHost: x\r\n\r\n", "not UTF-8"),
        (
            b"GET /hello HTTP/1.1\r\nno colon here\r\n\r\n",
            "Name: value",
        ),
        (b"GET /hello HTTP/1.1\r\n\r\n", "needs a Host header"),
    ] {
        let (got, run) = ask(request);
        assert_eq!(
            status_line(&got),
            "HTTP/1.1 400 Bad Request",
            "for {}:\n{}",
            request.escape_ascii(),
            run.transcript()
        );
        let (_, body) = check_content_length(&got);
        let body = String::from_utf8_lossy(&body);
        assert!(
            body.contains(reason),
            "for {}: {body:?} should say {reason:?}",
            request.escape_ascii()
        );
    }
}

#[test]
fn an_http_1_0_request_needs_no_host() {
    let (got, run) = ask(b"GET /hello HTTP/1.0\r\n\r\n");
    assert_eq!(status_line(&got), "HTTP/1.1 200 OK", "{}", run.transcript());
}

#[test]
fn a_head_over_the_size_limit_gets_400() {
    // 9000 bytes of header and no empty line: the server stops reading at 8 KiB.
    let mut request = b"GET /hello HTTP/1.1\r\nX-Big: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 9000));
    let (got, run) = ask(&request);
    assert_eq!(
        status_line(&got),
        "HTTP/1.1 400 Bad Request",
        "{}",
        run.transcript()
    );
    let (_, body) = check_content_length(&got);
    assert_eq!(
        body,
        b"400 Bad Request: the request head is larger than 8192 bytes\n"
    );
}

#[test]
fn a_silent_client_gets_408_and_the_connection_closes() {
    let (server, trace) = testkit::traced_server(BIN, &["--max", "1", "--timeout-ms", "300"]);
    let mut conn = Conn::open(server.addr);
    // Send nothing at all; the server's read timeout fires.
    let got = conn.read_to_end();
    drop(conn);
    let run = server.finish();
    run.success();
    // A time-out is an outcome, not an error: nothing read, a 408, FIN, close.
    let trace = trace.read();
    assert_eq!(trace.received("conn1"), b"");
    assert_eq!(trace.sent("conn1"), got);
    assert_eq!(trace.calls("conn1"), SERVED);
    no_errors(&trace, &["server", "conn1"]);
    same_bytes(
        &got,
        b"HTTP/1.1 408 Request Timeout\r\n\
          Content-Type: text/plain; charset=utf-8\r\n\
          Content-Length: 51\r\n\
          Connection: close\r\n\
          \r\n\
          408 Request Timeout: no whole request came in time\n",
        &run,
    );
}

#[test]
fn a_client_that_leaves_mid_head_gets_nothing_and_the_server_goes_on() {
    let (server, trace) = testkit::traced_server(BIN, &["--max", "2"]);
    let mut gone = Conn::open(server.addr);
    gone.send(b"GET /hello HTTP/1.1\r\nHo").shutdown_write();
    // The server closes without answering: nothing comes back.
    assert_eq!(gone.read_to_end(), b"");
    drop(gone);
    // The next client is served as if nothing happened.
    let mut next = Conn::open(server.addr);
    next.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    let got = next.read_to_end();
    drop(next);
    let run = server.finish();
    run.success();
    assert_eq!(status_line(&got), "HTTP/1.1 200 OK", "{}", run.transcript());
    // Half a head, then end of stream: nothing sent back, and no FIN of its own first.
    let trace = trace.read();
    assert_eq!(trace.received("conn1"), b"GET /hello HTTP/1.1\r\nHo");
    assert_eq!(trace.sent("conn1"), b"");
    assert_eq!(trace.calls("conn1"), ["recv", "recv", "close"]);
    no_errors(&trace, &["server", "conn1", "conn2"]);
}

#[test]
fn curl_gets_hello() {
    let curl = std::process::Command::new("curl").arg("--version").output();
    if !curl.is_ok_and(|o| o.status.success()) {
        println!("note: curl is not installed; skipping the curl check");
        return;
    }
    let server = Server::start(BIN, &["--max", "2"]);
    let url = format!("http://{}/hello", server.addr);
    let out = std::process::Command::new("curl")
        .args(["-s", "-i", "--max-time", "5", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "curl failed: {out:?}");
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("\r\nContent-Length: 7\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nhéllo\n"), "{text}");
    // curl's own headers come back on /headers: proof that the request carried them.
    let url = format!("http://{}/headers", server.addr);
    let out = std::process::Command::new("curl")
        .args(["-s", "--max-time", "5", "-H", "X-Lesson: 14", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("User-Agent: curl/"), "{text}");
    assert!(text.contains("X-Lesson: 14"), "{text}");
    server.finish().success();
}

#[test]
fn a_wrong_content_length_is_caught_by_the_client() {
    // A fake server that says 6 bytes and sends 7: what a chars-not-bytes bug looks like.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = testkit::uninterrupted(|| conn.read(&mut buf));
        let _ = conn.write_all(
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhéllo\n".as_bytes(),
        );
    });
    let (run, trace) = lesson(BIN).client(addr).traced();
    run.clean_failure();
    fake.join().unwrap();
    // It read all the fake sent, then refused it: one error, after the last recv.
    let fake_bytes = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhéllo\n";
    assert_eq!(trace.received("client"), fake_bytes.as_bytes());
    let errors = trace.errors("client");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("recv"), "{errors:?}");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-14-http").check();
    // "Clients that misbehave": a trickled head, cut at the deadline with 408.
    BookOutput::new(BIN, "lesson-14-http")
        .variant(&["--trickle"], "output-trickle.txt")
        .check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    testkit::std_and_tokio_say(
        "http",
        r#"request line "GET /hello HTTP/1.1", response ends with "\r\n\r\nhéllo\n""#,
    );
}

/// RFC 9112 section 6.3: with Content-Length, the request ends after that many body bytes,
/// which the server reads (in pieces, if they come so) before it answers; here 405, since
/// only GET is served. The client's half-close comes only after the response.
#[test]
fn a_body_is_read_to_its_content_length_before_the_answer() {
    let (mut server, trace) = testkit::traced_server(BIN, &["--max", "1"]);
    let mut conn = Conn::open(server.addr);
    let head = b"POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello";
    conn.send(head);
    // The head has come (conn1's first recv): the server waits for the rest of the body.
    server.wait_for_trace(&trace, |t| !t.calls("conn1").is_empty());
    conn.send(b" world");
    let got = conn.read_line();
    assert_eq!(got.trim_end(), "HTTP/1.1 405 Method Not Allowed");
    conn.shutdown_write();
    conn.read_to_end();
    server.finish().success();
    // The whole body was read before the answer went out.
    let trace = trace.read();
    let request = [&head[..], b" world"].concat();
    assert_eq!(trace.received("conn1"), request);
    let answered = trace
        .events
        .iter()
        .position(|e| e.who == "conn1" && e.kind == "send");
    let body_read = trace.events.iter().position(|e| {
        e.who == "conn1" && e.kind == "recv" && e.bytes.as_deref() == Some(b" world")
    });
    assert!(body_read < answered, "answered before the body was read");
    assert_eq!(
        status_line(&trace.sent("conn1")),
        "HTTP/1.1 405 Method Not Allowed"
    );
}

#[test]
fn bodies_the_server_will_not_read_get_their_status() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n",
            "HTTP/1.1 413 Content Too Large",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 400 Bad Request",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
            "HTTP/1.1 400 Bad Request",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "HTTP/1.1 400 Bad Request",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 501 Not Implemented",
        ),
    ];
    for (request, status) in cases {
        let (got, run) = ask(request);
        assert_eq!(
            status_line(&got),
            status,
            "for {}\n{}",
            request.escape_ascii(),
            run.transcript()
        );
        check_content_length(&got);
    }
}

/// The deadline is for the whole request, not for each recv: a head that trickles in, a
/// byte every 100 ms (each recv is quick), still gets 408 once --timeout-ms has passed.
#[test]
fn a_trickling_request_gets_408_at_its_deadline() {
    let server = Server::start(BIN, &["--max", "1", "--timeout-ms", "800"]);
    let mut conn = Conn::open(server.addr);
    let began = std::time::Instant::now();
    conn.send(b"GET /hello HTTP/1.1\r\n");
    let trickle = conn.stream().try_clone().unwrap();
    let trickler = std::thread::spawn(move || {
        use std::io::Write;
        // Until the server closes (the write then fails), or 10 s: a per-recv timeout never fires.
        for _ in 0..100 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if (&trickle).write_all(b"X").is_err() {
                break;
            }
        }
    });
    let got = conn.read_line();
    let took = began.elapsed();
    assert_eq!(got.trim_end(), "HTTP/1.1 408 Request Timeout");
    assert!(
        took < std::time::Duration::from_secs(3),
        "408 came after {took:?}: the deadline (800 ms) must bound the whole request"
    );
    drop(conn);
    let _ = trickler.join();
    server.finish().success();
}

/// A body that never completes is cut at the deadline too.
#[test]
fn a_body_shorter_than_its_content_length_gets_408() {
    let (got, run, _) = ask_with(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this",
        &["--timeout-ms", "300"],
    );
    assert_eq!(
        status_line(&got),
        "HTTP/1.1 408 Request Timeout",
        "{}",
        run.transcript()
    );
}

/// The hostile-client battery (testkit::hostile): a thread per connection, so the normal
/// client is served WHILE each hostile client is still connected; --timeout-ms 3000 is the
/// deadline for a whole request, and for each send.
fn hostile_target() -> testkit::hostile::Target {
    testkit::hostile::Target::server(
        BIN,
        &["--timeout-ms", "3000"],
        b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        |addr| {
            let mut conn = Conn::open(addr);
            conn.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            let got = conn.read_to_end();
            assert_eq!(status_line(&got), "HTTP/1.1 200 OK");
            assert!(got.ends_with("\r\n\r\nhéllo\n".as_bytes()));
        },
    )
    .concurrent(std::time::Duration::from_secs(3))
}

testkit::hostile_battery!(hostile_target);

/// 50 clients connect and say nothing; a normal client is served while they are all still
/// connected (a thread each: nobody waits for the crowd).
#[test]
fn hostile_idle_crowd() {
    testkit::hostile::idle_crowd(&hostile_target());
}
