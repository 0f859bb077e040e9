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

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::listener::{time_left, Backoff};
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, LessonError, Narrator, Options, Result};

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

/// The address the listener is bound to, for the demo's clients (getsockname).
fn bound(listener: &TcpListener) -> Result<SocketAddr> {
    let failed = |e| LessonError::io("getsockname()", e, LESSON.package);
    listener.local_addr().map_err(failed)
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

/// One recv for `read_request`, appended to `into` (again after a signal, for the time left).
fn recv_before(
    conn: &TcpStream,
    into: &mut Vec<u8>,
    deadline: Instant,
    what: &str,
    say: &Narrator,
) -> Result<Recv> {
    loop {
        match say.call_then("recv(1024)", what, || recv_until(conn, deadline), got)? {
            Got::Bytes(bytes) => {
                say.moved(Kind::Recv, "recv", &bytes);
                into.extend_from_slice(&bytes);
                return Ok(Recv::Some);
            }
            Got::Closed => return Ok(Recv::Closed),
            Got::TimedOut => return Ok(Recv::TimedOut),
            Got::Interrupted => {}
        }
    }
}

/// What one recv() with a deadline came to.
enum Got {
    /// Bytes: at most 1024.
    Bytes(Vec<u8>),
    /// End of stream: the client has closed its side.
    Closed,
    /// The deadline has passed (before the call, or during it).
    TimedOut,
    /// A signal interrupted the wait (EINTR): nothing was read, nothing was lost.
    Interrupted,
}

/// One recv() of at most 1024 bytes that gives up at `deadline`.
fn recv_until(mut conn: &TcpStream, deadline: Instant) -> io::Result<Got> {
    // A deadline, not a timeout: SO_RCVTIMEO limits ONE recv, so give each recv only the
    // time left until the deadline (common::listener::time_left).
    let Some(left) = time_left(deadline) else {
        return Ok(Got::TimedOut);
    };
    conn.set_read_timeout(Some(left))?;
    let mut buf = [0u8; 1024];
    // `Read::read` on a TcpStream is the recv() system call.
    match conn.read(&mut buf) {
        Ok(0) => Ok(Got::Closed),
        Ok(n) => Ok(Got::Bytes(buf[..n].to_vec())),
        // kill -STOP then -CONT does that to a recv with a timeout (signal(7)): the caller
        // waits again, for the time still left.
        Err(e) if e.kind() == ErrorKind::Interrupted => Ok(Got::Interrupted),
        // SO_RCVTIMEO expired: Unix reports it as WouldBlock, Windows as TimedOut.
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Ok(Got::TimedOut)
        }
        Err(e) => Err(e),
    }
}

/// How a recv for the request shows: `35 bytes: b"GET / HTTP/1.1\r\n…"`, or what came instead.
fn got(got: &Got) -> String {
    match got {
        Got::Bytes(bytes) => format!("{} bytes: {}", bytes.len(), show_bytes(bytes)),
        Got::Closed => "0 bytes: end of stream".to_string(),
        Got::TimedOut => "timed out: the deadline has passed".to_string(),
        Got::Interrupted => "interrupted by a signal (EINTR): again".to_string(),
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
    route(path, &headers)
}

/// The response for a GET of `path`; `headers` are the request's, for `/headers`.
fn route(path: &str, headers: &[&str]) -> Vec<u8> {
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
fn send_all(conn: &TcpStream, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let call = format!("send({} bytes)", rest.len());
        let why = "hand the bytes to the kernel";
        let n = say.call_then(
            call,
            why,
            || send_some(conn, rest),
            |n| format!("{n} bytes"),
        )?;
        say.moved(Kind::Send, "send", &rest[..n]);
        rest = &rest[n..];
    }
    show_message(bytes, say);
    Ok(())
}

/// One send(): `Write::write` on a TcpStream is the send() system call. It waits only while
/// the buffers toward the client are full; SO_SNDTIMEO (set at accept) bounds that wait.
fn send_some(mut conn: &TcpStream, bytes: &[u8]) -> io::Result<usize> {
    loop {
        match conn.write(bytes) {
            // A stop and continue (signal(7)) interrupts a send with a timeout: again.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let why = "timed out: the client does not take the response (it does not read)";
                return Err(io::Error::new(ErrorKind::TimedOut, why));
            }
            sent => return sent,
        }
    }
}

/// Close politely: FIN first (shutdown), then read what the client may still send until it
/// closes too, then close. Closing a socket with unread bytes makes the kernel send RST, and
/// an RST can destroy our response before the client has read it.
fn finish(conn: TcpStream, limit: Duration, say: &Narrator) -> Result<()> {
    let why = "send FIN after the response: the body ends here";
    say.call("shutdown(SHUT_WR)", why, || conn.shutdown(Shutdown::Write))?;
    drain(&conn, Instant::now() + limit, say)?;
    close(conn, "connection", say);
    Ok(())
}

/// Read and throw away whatever the client still sends (at most 1 MiB), until it closes
/// or `deadline` passes.
fn drain(conn: &TcpStream, deadline: Instant, say: &Narrator) -> Result<()> {
    let mut left: usize = 1024 * 1024;
    while left > 0 {
        let why = "wait for the client to close its side";
        match say.call_then("recv(1024)", why, || recv_until(conn, deadline), drained)? {
            Got::Bytes(bytes) => {
                say.moved(Kind::Recv, "recv", &bytes);
                left = left.saturating_sub(bytes.len());
            }
            Got::Interrupted => {}
            Got::Closed | Got::TimedOut => return Ok(()),
        }
    }
    Ok(())
}

/// How a recv while draining shows.
fn drained(got: &Got) -> String {
    match got {
        Got::Bytes(bytes) => format!("{} bytes, ignored", bytes.len()),
        Got::Closed => "0 bytes: end of stream, the client has closed".to_string(),
        Got::TimedOut => "timed out: closing anyway".to_string(),
        Got::Interrupted => "interrupted (EINTR): again".to_string(),
    }
}
// ANCHOR_END: respond

/// Close a socket: in Rust, drop it.
fn close(conn: TcpStream, name: &str, say: &Narrator) {
    let why = "give the socket back to the kernel";
    // drop() cannot fail: whatever happens, the kernel takes the socket back.
    let _ = say.call(format!("close({name})"), why, || {
        drop(conn);
        Ok(())
    });
}

/// Show an HTTP message as the bytes it is made of: each head line with its `\r\n`, then the
/// body (cut after 40 bytes). Text for the reader alone: with `--quiet` (and no `--trace`)
/// nobody reads it, and it is not even made.
fn show_message(bytes: &[u8], say: &Narrator) {
    if !common::narrate::heard() {
        return;
    }
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
    let why = "open a connection to the server";
    say.call(format!("connect({addr})"), why, || TcpStream::connect(addr))
}

/// Read the whole response: with `Connection: close`, it ends where the stream ends.
fn recv_to_end(conn: &TcpStream, say: &Narrator) -> Result<Vec<u8>> {
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let recv = || recv_some(conn, &mut buf);
        let n = say.call_then("recv(4096)", "read the response", recv, read_bytes)?;
        if n == 0 {
            return Ok(response);
        }
        say.moved(Kind::Recv, "recv", &buf[..n]);
        response.extend_from_slice(&buf[..n]);
        // A client has limits too: no server makes us hold more than 1 MiB.
        if response.len() > 1 << 20 {
            return Err(say.protocol_error("a response larger than 1 MiB: refused"));
        }
    }
}

/// One recv() (`Read::read`), again if a signal interrupted it.
fn recv_some(mut conn: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match conn.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            read => return read,
        }
    }
}

/// `405 bytes`, or `0 bytes: end of stream`.
fn read_bytes(n: &usize) -> String {
    match n {
        0 => "0 bytes: end of stream".to_string(),
        n => format!("{n} bytes"),
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
    let limit = opts.millis("--timeout-ms", 5000)?;
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = bound(&listener)?;
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

        answer_in_turn(&conn, deadline, &server)?;
        if first {
            // Half-closed: the server waits in FIN_WAIT2, the client holds the response and
            // the end of stream in its receive queue (CLOSE_WAIT).
            server.kernel(&conn);
            client.kernel(&to_server);
        }

        read_response(&to_server, &client)?;
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

/// The demo's server, in its turn: read the request, answer it, send FIN.
fn answer_in_turn(conn: &TcpStream, deadline: Instant, say: &Narrator) -> Result<()> {
    let request = read_request(&mut Incoming {
        conn,
        deadline,
        say,
    })?;
    let Some(reply) = respond_to(request, say) else {
        return Err(say.protocol_error("the demo's client went away"));
    };
    send_all(conn, &reply, say)?;
    let why = "send FIN: the response ends here";
    say.call("shutdown(SHUT_WR)", why, || conn.shutdown(Shutdown::Write))
}

/// The demo's client, in its turn: read the whole response, and check it.
fn read_response(conn: &TcpStream, say: &Narrator) -> Result<()> {
    let bytes = recv_to_end(conn, say)?;
    let (status, body) = check_response(&bytes, say)?;
    let length = body.len();
    say.note(format!(
        "{status}, {length} body bytes, as Content-Length said"
    ));
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
    let to_server = connect(bound(&listener)?, &slow)?;
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
    let why = "send FIN: the response ends here";
    server.call("shutdown(SHUT_WR)", why, || conn.shutdown(Shutdown::Write))?;
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
        let call = format!("setsockopt(SO_SNDTIMEO, {} ms)", limit.as_millis());
        let why = "a send that cannot hand over a byte for that long fails";
        // On an error (reported), that connection is closed (dropped); the server goes on.
        if say
            .call(call, why, || conn.set_write_timeout(Some(limit)))
            .is_ok()
        {
            return Ok(conn);
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: server
/// How many finished handshakes the kernel may queue until the loop takes them. Every
/// request is a new connection, so a thousand clients at once are a thousand connects at
/// once: with std's 128, the 130th SYN is dropped and its client waits a second for the retry.
/// Linux cuts this to `net.core.somaxconn` (4096 since Linux 5.4).
const BACKLOG: i32 = 4096;

/// Serve connections until stopped (or `--max N`), each on its own thread. Stateless makes
/// that easy: the threads share nothing, so there is nothing to lock.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let max: usize = opts.value("--max", 0)?;
    let limit = opts.millis("--timeout-ms", 5000)?;
    let listener = common::listener::listen_with_backlog(opts, BACKLOG, &say)?;
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
            let call = format!("thread::spawn({name})");
            // Builder::spawn_scoped returns an error where thread::scope's spawn would panic.
            let spawn = || {
                let builder = thread::Builder::new().name(name.clone());
                builder
                    .spawn_scoped(threads, move || serve_one(conn, deadline, limit, name))
                    .map_err(no_thread)
            };
            let why = "serve it on a thread of its own";
            // The handle is dropped: the thread runs on, and the scope waits for it.
            if say.call_then(call, why, spawn, |_| "ok".into()).is_err() {
                refuse(spare, &say);
            }
        }
        Ok(())
    })
}

/// EAGAIN (pthread_create(3)): no memory for a stack, or a limit on threads.
fn no_thread(e: io::Error) -> io::Error {
    match e.kind() {
        ErrorKind::WouldBlock => {
            io::Error::new(e.kind(), "the system refused another thread (EAGAIN)")
        }
        _ => e,
    }
}

/// A connection's thread, narrated as `name`. One client's trouble (reset, vanished) ends its
/// connection, not the server.
fn serve_one(conn: TcpStream, deadline: Instant, limit: Duration, name: String) {
    let say = Narrator::new(name, LESSON.package);
    if let Err(err) = answer_one(conn, deadline, limit, &say) {
        say.note(format!("connection ended: {err}"));
    }
}

/// One connection: read the request, answer it, close.
fn answer_one(conn: TcpStream, deadline: Instant, limit: Duration, say: &Narrator) -> Result<()> {
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
    let wait = Some(Duration::from_secs(5));
    let call = "setsockopt(SO_RCVTIMEO, 5000 ms)";
    say.call(call, "never wait forever", || conn.set_read_timeout(wait))?;
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
