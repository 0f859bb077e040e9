//! Lesson 14: a small HTTP/1.1 server, written on plain sockets. Stateless.
//!
//! HTTP/1.1 is text on a TCP stream. A request is a *head* — a request line and header lines,
//! each ending in CRLF (`\r\n`), closed by an empty line — and, for some methods, a body. A
//! response is a status line, header lines, an empty line, and a body whose length in bytes
//! the `Content-Length` header gives: that is how the client knows where the message ends.
//!
//! The server is *stateless*: each request carries everything needed to answer it, and the
//! server keeps nothing from one request to the next. Its heart, `answer`, is a function from
//! the bytes of a request head to the bytes of a response.
//!
//! It answers GET for `/` (an HTML page), `/hello` (text) and `/headers` (your request's own
//! headers, sent back), 404 for other paths, 405 for other methods, 400 for a malformed head
//! and 408 for a client that says nothing. It closes the connection after every response
//! (`Connection: close`): no keep-alive.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::listener::{time_left, Backoff};
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};

use lesson_14_http::{
    bad_request, find, head_end, parse_request_line, read_request, response, Connection, Recv,
    Request, MAX_HEAD, TEXT,
};

static LESSON: Lesson = Lesson {
    package: "lesson-14-http",
    title: "stateless: a small HTTP/1.1 server on plain sockets",
    port: 7014,
    about: "The demo sends four requests to the server, each on its own connection, and shows\n\
            the bytes both ways: GET /, GET /hello, GET /nope (404) and a malformed one (400).\n\
            \n\
            The server answers GET / (HTML), GET /hello (b\"h\\xc3\\xa9llo\\n\", 7 bytes) and\n\
            GET /headers (your request's headers), 404 for other paths, 405 for other methods,\n\
            400 for a malformed request head, 408 if the client sends nothing in time. Every\n\
            response ends with Connection: close, and the server closes: no keep-alive.\n\
            It serves each connection on its own thread, until stopped (or --max N).\n\
            \n\
            Try it:  curl -i http://127.0.0.1:7014/hello     (or open it in a browser)\n\
            By hand: printf 'GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc 127.0.0.1 7014",
    flags: &[
        Flag {
            name: "--max",
            value: Some("N"),
            help: "server: serve N connections, then exit (default: run until stopped)",
        },
        Flag {
            name: "--timeout-ms",
            value: Some("MS"),
            help: "server: how long to wait for a request head (default 5000)",
        },
        Flag {
            name: "--trickle",
            value: None,
            help: "demo: a client that trickles its request head, cut at the deadline (1 s)",
        },
        Flag {
            name: "--path",
            value: Some("PATH"),
            help: "client: the path to GET (default /hello)",
        },
    ],
};

fn main() -> std::process::ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: incoming
/// The connection as `read_request` reads it: each recv narrated here, and given only the
/// time left until the request's deadline, so that `read_request` itself prints nothing and
/// knows nothing of time.
struct Incoming<'a> {
    conn: &'a TcpStream,
    deadline: Instant,
    say: &'a Narrator,
}

impl Connection for Incoming<'_> {
    fn recv(&mut self, into: &mut Vec<u8>) -> Result<Recv> {
        let what = match head_end(into) {
            None => "read the request head, up to the empty line",
            Some(_) => "read the body, as many bytes as Content-Length says",
        };
        recv_before(self.conn, into, self.deadline, what, self.say)
    }
}

/// One recv of at most 1024 bytes, appended to `into`, that gives up at `deadline`.
fn recv_before(
    mut conn: &TcpStream,
    into: &mut Vec<u8>,
    deadline: Instant,
    what: &str,
    say: &Narrator,
) -> Result<Recv> {
    let mut buf = [0u8; 1024];
    loop {
        say.next("recv(1024)", what);
        // A deadline, not a timeout: SO_RCVTIMEO limits ONE recv, so give each recv only
        // the time left until the deadline (common::listener::time_left).
        let Some(left) = time_left(deadline) else {
            say.done("timed out: the deadline has passed");
            return Ok(Recv::TimedOut);
        };
        conn.set_read_timeout(Some(left)).map_err(|e| say.fail(e))?;
        // `Read::read` on a TcpStream is the recv() system call.
        match conn.read(&mut buf) {
            Ok(0) => {
                say.done("0 bytes: end of stream");
                return Ok(Recv::Closed);
            }
            Ok(n) => {
                say.done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
                into.extend_from_slice(&buf[..n]);
                return Ok(Recv::Some);
            }
            // A signal interrupted the wait (kill -STOP then -CONT does that to a recv with a
            // timeout: signal(7)). Nothing was lost: wait again, for the time still left.
            Err(e) if e.kind() == ErrorKind::Interrupted => {
                say.done("interrupted by a signal (EINTR): again");
            }
            // SO_RCVTIMEO expired: Unix reports it as WouldBlock, Windows as TimedOut.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                say.done("timed out: the deadline has passed");
                return Ok(Recv::TimedOut);
            }
            Err(e) => return Err(say.fail(e)),
        }
    }
}

// ANCHOR_END: incoming

// ANCHOR: answer
/// The whole server, as a function: the bytes of a request head in, the bytes of a response
/// out. Nothing is remembered between calls: that is what "stateless" means.
fn answer(head: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(head) else {
        return bad_request("the request head is not UTF-8");
    };
    // Every line ends with CRLF, and the head with an empty line. We are strict on purpose:
    // a lone \n is accepted by many servers, but it is not what the protocol says.
    let Some(lines) = text.strip_suffix("\r\n\r\n") else {
        return bad_request("lines must end with CRLF (\\r\\n), the head with an empty line");
    };
    if lines.split("\r\n").any(|l| l.contains(['\r', '\n'])) {
        return bad_request("lines must end with CRLF (\\r\\n), not a bare \\n or \\r");
    }
    let mut lines = lines.split("\r\n");
    let Some(request) = lines.next().and_then(parse_request_line) else {
        return bad_request("bad request line; expected e.g. GET /hello HTTP/1.1");
    };
    // Header lines: `Name: value`. We keep them only to show them back on /headers.
    let mut headers = Vec::new();
    let mut has_host = false;
    for line in lines {
        match line.split_once(':') {
            Some((name, _)) if !name.is_empty() && !name.contains([' ', '\t']) => {
                has_host |= name.eq_ignore_ascii_case("host");
                headers.push(line);
            }
            _ => return bad_request("a header line must be Name: value"),
        }
    }
    // One address can serve many sites; HTTP/1.1 requires the client to say which one.
    if request.version == "HTTP/1.1" && !has_host {
        return bad_request("an HTTP/1.1 request needs a Host header");
    }
    if request.method != "GET" {
        return response(
            405,
            "Method Not Allowed",
            &[("Content-Type", TEXT), ("Allow", "GET")],
            "405 Method Not Allowed: this server only knows GET\n",
        );
    }
    // The path is the target without its query (`/hello?x=1` → `/hello`).
    let path = request.target.split('?').next().unwrap_or("");
    match path {
        "/" => response(200, "OK", &[("Content-Type", HTML)], PAGE),
        "/hello" => response(200, "OK", &[("Content-Type", TEXT)], "héllo\n"),
        "/headers" => {
            let body = format!("{}\n", headers.join("\n"));
            response(200, "OK", &[("Content-Type", TEXT)], &body)
        }
        _ => response(
            404,
            "Not Found",
            &[("Content-Type", TEXT)],
            &format!("404 Not Found: nothing at {path}\n"),
        ),
    }
}

const HTML: &str = "text/html; charset=utf-8";
const PAGE: &str = "<!doctype html>\n\
<html><head><meta charset=\"utf-8\"><title>lesson 14</title></head>\n\
<body><h1>héllo from lesson 14</h1>\n\
<p>This page came from a few hundred lines of Rust on plain sockets.</p>\n\
<p><a href=\"/hello\">/hello</a> · <a href=\"/headers\">/headers</a> · \
<a href=\"/nope\">/nope</a></p>\n\
</body></html>\n";
// ANCHOR_END: answer

// ANCHOR: respond
/// What to send for what was read: `None` when there is nobody left to answer.
fn respond_to(request: Request, say: &Narrator) -> Option<Vec<u8>> {
    let reply = match request {
        Request::Complete(head) => answer(&head),
        Request::TooLarge => {
            bad_request(&format!("the request head is larger than {MAX_HEAD} bytes"))
        }
        Request::Refused(reply) => reply,
        Request::TimedOut => response(
            408,
            "Request Timeout",
            &[("Content-Type", TEXT)],
            "408 Request Timeout: no whole request came in time\n",
        ),
        Request::Closed => {
            say.note("the client closed before its request was complete: nothing to answer");
            return None;
        }
    };
    Some(reply)
}

/// Send all of `bytes`: `write` may take fewer bytes than offered, so loop.
fn send_all(mut conn: &TcpStream, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        say.next(
            format!("send({} bytes)", rest.len()),
            "hand the bytes to the kernel",
        );
        // `Write::write` on a TcpStream is the send() system call. It waits only while the
        // buffers toward the client are full; SO_SNDTIMEO (set at accept) bounds that wait.
        let n = match conn.write(rest) {
            Ok(n) => n,
            // A stop and continue (signal(7)) interrupts a send with a timeout: again.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let why = "timed out: the client does not take the response (it does not read)";
                return Err(say.fail(std::io::Error::new(ErrorKind::TimedOut, why)));
            }
            Err(e) => return Err(say.fail(e)),
        };
        say.done(format!("{n} bytes"));
        rest = &rest[n..];
    }
    show_message(bytes, say);
    Ok(())
}

/// Close politely: FIN first (shutdown), then read what the client may still send until it
/// closes too, then close. Closing a socket with unread bytes makes the kernel send RST, and
/// an RST can destroy our response before the client has read it.
fn finish(conn: TcpStream, limit: Duration, say: &Narrator) -> Result<()> {
    say.next(
        "shutdown(SHUT_WR)",
        "send FIN after the response: the body ends here",
    );
    conn.shutdown(Shutdown::Write).map_err(|e| say.fail(e))?;
    say.done("ok");
    drain(&conn, Instant::now() + limit, say)?;
    close(conn, "connection", say);
    Ok(())
}

/// Read and throw away whatever the client still sends (at most 1 MiB), until it closes
/// or `deadline` passes.
fn drain(mut conn: &TcpStream, deadline: Instant, say: &Narrator) -> Result<()> {
    let mut buf = [0u8; 1024];
    let mut left: usize = 1024 * 1024;
    while left > 0 {
        say.next("recv(1024)", "wait for the client to close its side");
        let Some(time) = time_left(deadline) else {
            say.done("timed out: closing anyway");
            return Ok(());
        };
        conn.set_read_timeout(Some(time)).map_err(|e| say.fail(e))?;
        match conn.read(&mut buf) {
            Ok(0) => {
                say.done("0 bytes: end of stream, the client has closed");
                return Ok(());
            }
            Ok(n) => {
                say.done(format!("{n} bytes, ignored"));
                left = left.saturating_sub(n);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => say.done("interrupted (EINTR): again"),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                say.done("timed out: closing anyway");
                return Ok(());
            }
            Err(e) => return Err(say.fail(e)),
        }
    }
    Ok(())
}
// ANCHOR_END: respond

/// Close a socket: in Rust, drop it.
fn close(conn: TcpStream, name: &str, say: &Narrator) {
    say.next(
        format!("close({name})"),
        "give the socket back to the kernel",
    );
    drop(conn);
    say.done("ok");
}

/// Show an HTTP message as the bytes it is made of: each head line with its `\r\n`, then the
/// body (cut after 40 bytes).
fn show_message(bytes: &[u8], say: &Narrator) {
    let (head, body) = match find(bytes, b"\r\n\r\n") {
        Some(at) => bytes.split_at(at + 4),
        None => (bytes, &[][..]),
    };
    for line in head.split_inclusive(|&b| b == b'\n') {
        // Whole lines, however long: `escape_ascii` shows \r, \n and non-ASCII bytes.
        say.note(format!("  b\"{}\"", line.escape_ascii()));
    }
    if !body.is_empty() {
        say.note(format!("  body: {}", show_bytes(body)));
    }
}

// ANCHOR: client
/// A client's side: connect, send a request, read the response until the server closes.
fn connect(addr: SocketAddr, say: &Narrator) -> Result<TcpStream> {
    say.next(
        format!("connect({addr})"),
        "open a connection to the server",
    );
    let conn = TcpStream::connect(addr).map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(conn)
}

/// Read the whole response: with `Connection: close`, it ends where the stream ends.
fn recv_to_end(mut conn: &TcpStream, say: &Narrator) -> Result<Vec<u8>> {
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        say.next("recv(4096)", "read the response");
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue, // a signal: again
            Err(e) => return Err(say.fail(e)),
        };
        if n == 0 {
            say.done("0 bytes: end of stream");
            return Ok(response);
        }
        say.done(format!("{n} bytes"));
        response.extend_from_slice(&buf[..n]);
        // A client has limits too: no server makes us hold more than 1 MiB.
        if response.len() > 1 << 20 {
            return Err(say.protocol_error("a response larger than 1 MiB: refused"));
        }
    }
}

/// Check a response the way a client must: a status line, headers, and exactly as many body
/// bytes as `Content-Length` says. Returns the status line and the body.
fn check_response(bytes: &[u8], say: &Narrator) -> Result<(String, Vec<u8>)> {
    let Some(at) = find(bytes, b"\r\n\r\n") else {
        return Err(say.protocol_error("the response has no empty line after its head"));
    };
    let (head, body) = (&bytes[..at], &bytes[at + 4..]);
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("").to_string();
    if !status.starts_with("HTTP/1.") {
        return Err(say.protocol_error(format!("not an HTTP status line: {status:?}")));
    }
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok());
    match length {
        Some(n) if n == body.len() => Ok((status, body.to_vec())),
        Some(n) => Err(say.protocol_error(format!(
            "Content-Length says {n} bytes, but {} bytes came: {}",
            body.len(),
            show_bytes(body)
        ))),
        None => Err(say.protocol_error("the response has no Content-Length")),
    }
}
// ANCHOR_END: client

// ANCHOR: demo
/// Four requests, each on its own connection, both sides in this one thread. The kernel
/// holds the bytes in between, so the calls can simply take turns.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--trickle") {
        return trickle_demo(opts);
    }
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let limit = Duration::from_millis(opts.value("--timeout-ms", 5000)?);
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = listener.local_addr().map_err(|e| server.fail(e))?;
    let mut pause = Backoff::new();

    let requests: [&[u8]; 4] = [
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"HELLO?\r\n\r\n",
    ];
    for (i, request) in requests.into_iter().enumerate() {
        // The kernel's view is shown for the first exchange only: the others are the same.
        let first = i == 0;
        let to_server = connect(addr, &client)?;
        let conn = accept_one(&listener, limit, &mut pause, &server)?;
        let deadline = Instant::now() + limit;
        // Addresses, noted now: once closed, a socket no longer knows its peer.
        let (local, peer) = (conn.local_addr().ok(), conn.peer_addr().ok());
        send_all(&to_server, request, &client)?;

        let request = read_request(&mut Incoming {
            conn: &conn,
            deadline,
            say: &server,
        })?;
        let Some(reply) = respond_to(request, &server) else {
            return Err(server.protocol_error("the demo's client went away"));
        };
        send_all(&conn, &reply, &server)?;
        server.next("shutdown(SHUT_WR)", "send FIN: the response ends here");
        conn.shutdown(Shutdown::Write).map_err(|e| server.fail(e))?;
        server.done("ok");
        if first {
            // Half-closed: the server waits in FIN_WAIT2, the client holds the response and
            // the end of stream in its receive queue (CLOSE_WAIT).
            server.kernel(&conn);
            client.kernel(&to_server);
        }

        let bytes = recv_to_end(&to_server, &client)?;
        let (status, body) = check_response(&bytes, &client)?;
        client.note(format!(
            "{status}, {} body bytes, as Content-Length said",
            body.len()
        ));
        close(to_server, "client socket", &client);

        drain(&conn, Instant::now() + limit, &server)?;
        close(conn, "connection", &server);
        if let (true, Some(local)) = (first, local) {
            // The server sent the first FIN, so the server keeps the connection in TIME_WAIT.
            server.kernel_at(local, peer);
        }
    }
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: trickle_demo
/// A client that misbehaves: `slow` sends its request head in pieces, 0.3 s apart, and never
/// the empty line that ends it. Each recv gets its piece well within a second, so a timeout
/// of 1 s per recv would never fire; the deadline for the whole request (1 s from accept)
/// does, and the client gets 408. (Both sides take turns in this one thread, as in the demo:
/// the server reads each piece right after it is sent, and waits only at the end.)
fn trickle_demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let slow = opts.narrator("slow");
    let limit = Duration::from_millis(1000);
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = listener.local_addr().map_err(|e| server.fail(e))?;
    let to_server = connect(addr, &slow)?;
    let conn = accept_one(&listener, limit, &mut Backoff::new(), &server)?;
    let deadline = Instant::now() + limit;
    server.note("the whole request must come within 1000 ms of accept()");
    let mut head = Vec::new();
    let what = "read the request head, up to the empty line";
    for piece in ["GET /hello HTTP/1.1\r\n", "Host: x\r\n", "X-Slow: 1\r\n"] {
        send_all(&to_server, piece.as_bytes(), &slow)?;
        recv_before(&conn, &mut head, deadline, what, &server)?;
        slow.note("waits 0.3 s before the next piece");
        thread::sleep(Duration::from_millis(300));
    }
    // No empty line yet: the server waits for more, but only until the deadline.
    let request = match recv_before(&conn, &mut head, deadline, what, &server)? {
        Recv::TimedOut => Request::TimedOut,
        _ => return Err(server.protocol_error("the deadline should have passed")),
    };
    let Some(reply) = respond_to(request, &server) else {
        return Err(server.protocol_error("the client went away"));
    };
    send_all(&conn, &reply, &server)?;
    server.next("shutdown(SHUT_WR)", "send FIN: the response ends here");
    conn.shutdown(Shutdown::Write).map_err(|e| server.fail(e))?;
    server.done("ok");
    let bytes = recv_to_end(&to_server, &slow)?;
    let (status, _) = check_response(&bytes, &slow)?;
    slow.note(format!("{status}, though no recv waited 1 s"));
    close(to_server, "client socket", &slow);
    drain(&conn, Instant::now() + limit, &server)?;
    close(conn, "connection", &server);
    Ok(())
}
// ANCHOR_END: trickle_demo

// ANCHOR: accept
/// Take the next connection (riding out accept()'s passing errors: see common::listener),
/// and limit the time any send to it may wait.
fn accept_one(
    listener: &TcpListener,
    limit: Duration,
    pause: &mut Backoff,
    say: &Narrator,
) -> Result<TcpStream> {
    loop {
        let (conn, _peer) = common::listener::accept(listener, pause, say)?;
        say.next(
            format!("setsockopt(SO_SNDTIMEO, {} ms)", limit.as_millis()),
            "a send that cannot hand over a byte for that long fails",
        );
        match conn.set_write_timeout(Some(limit)) {
            Ok(()) => say.done("ok"),
            Err(e) => {
                say.fail(e); // That connection is closed (dropped); the server goes on.
                continue;
            }
        }
        return Ok(conn);
    }
}
// ANCHOR_END: accept

// ANCHOR: server
/// Serve connections until stopped (or `--max N`), each on its own thread. Stateless makes
/// that easy: the threads share nothing, so there is nothing to lock.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let max: usize = opts.value("--max", 0)?;
    let limit = Duration::from_millis(opts.value("--timeout-ms", 5000)?);
    let listener = common::listener::listen_on(opts, &say)?;
    let mut pause = Backoff::new();
    // A scope: every thread started in it has ended when it returns (for --max N).
    thread::scope(|threads| {
        let mut served = 0;
        while max == 0 || served < max {
            let conn = accept_one(&listener, limit, &mut pause, &say)?;
            // The whole request must have come within `limit` of now.
            let deadline = Instant::now() + limit;
            served += 1;
            // If no thread can be made, the closure is dropped, and the connection in it is
            // closed. To answer the client first, keep a second descriptor for the same
            // socket (dup(2)); the connection lives on until both are closed.
            let spare = conn.try_clone();
            let name = format!("conn{served}");
            say.next(
                format!("thread::spawn({name})"),
                "serve it on a thread of its own",
            );
            // Builder::spawn_scoped returns an error where thread::scope's spawn would panic.
            let spawned =
                thread::Builder::new()
                    .name(name.clone())
                    .spawn_scoped(threads, move || {
                        let say = Narrator::new(name, LESSON.package);
                        // One client's trouble (reset, vanished) ends its connection, not the server.
                        if let Err(err) = serve_one(conn, deadline, limit, &say) {
                            say.note(format!("connection ended: {err}"));
                        }
                    });
            match spawned {
                // The handle is dropped: the thread runs on, and the scope waits for it.
                Ok(_) => say.done("ok"),
                // EAGAIN (pthread_create(3)): no memory for a stack, or a limit on threads.
                Err(e) => {
                    let why = "the system refused another thread (EAGAIN)";
                    match e.kind() {
                        ErrorKind::WouldBlock => say.fail(std::io::Error::new(e.kind(), why)),
                        _ => say.fail(e),
                    };
                    refuse(spare, &say);
                }
            }
        }
        Ok(())
    })
}

/// One connection: read the request, answer it, close.
fn serve_one(conn: TcpStream, deadline: Instant, limit: Duration, say: &Narrator) -> Result<()> {
    let request = read_request(&mut Incoming {
        conn: &conn,
        deadline,
        say,
    })?;
    let Some(reply) = respond_to(request, say) else {
        close(conn, "connection", say);
        return Ok(());
    };
    send_all(&conn, &reply, say)?;
    finish(conn, limit, say)
}

/// Turn away a connection no thread could be made for: 503 and close, at once. The acceptor
/// must not wait for this client: the response is 150-odd bytes, which a new connection's
/// empty send buffer takes at once (SO_SNDTIMEO bounds it anyway). If the client had sent
/// bytes we never read, the close makes the kernel send RST, and the client may see
/// "connection reset" instead of the 503: turned away either way, while the server goes on.
fn refuse(spare: std::io::Result<TcpStream>, say: &Narrator) {
    let Ok(conn) = spare else {
        say.note("no descriptor for a copy either: closed without a word");
        return;
    };
    let reply = response(
        503,
        "Service Unavailable",
        &[("Content-Type", TEXT), ("Retry-After", "1")],
        "503 Service Unavailable: no thread for you now, try again\n",
    );
    let _ = send_all(&conn, &reply, say);
    close(conn, "connection", say);
}
// ANCHOR_END: server

/// GET one path and print what came back.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let path: String = opts.value("--path", "/hello".to_string())?;
    let conn = connect(opts.addr, &say)?;
    say.next("setsockopt(SO_RCVTIMEO, 5000 ms)", "never wait forever");
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: lesson-14-http\r\n\r\n",
        opts.addr
    );
    send_all(&conn, request.as_bytes(), &say)?;
    let bytes = recv_to_end(&conn, &say)?;
    let (status, body) = check_response(&bytes, &say)?;
    println!("status: {status}");
    println!("body: {}", String::from_utf8_lossy(&body).trim_end());
    close(conn, "client socket", &say);
    Ok(())
}
