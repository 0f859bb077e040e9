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
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};

// The functions this lesson's exercise is about live in their own file, so that you can write
// them yourself: src/exercise.rs is yours (`cargo exercise lesson-14-http` checks it).
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(all(feature = "wrong", not(feature = "exercise")), path = "wrong.rs")]
#[cfg_attr(
    not(any(feature = "exercise", feature = "wrong")),
    path = "solution.rs"
)]
mod task;
use task::{parse_request_line, response};

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
            name: "--path",
            value: Some("PATH"),
            help: "client: the path to GET (default /hello)",
        },
    ],
};

/// The most bytes a request head may have. A client that sends more without the empty line
/// that ends a head is either broken or hostile; either way it gets 400 and we close.
const MAX_HEAD: usize = 8 * 1024;

fn main() -> std::process::ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: read_head
/// What reading a request head came to.
enum Head {
    /// The head, up to and including the empty line that ends it.
    Complete(Vec<u8>),
    /// More than MAX_HEAD bytes came without an empty line.
    TooLarge,
    /// The client sent nothing (more) within the read timeout.
    TimedOut,
    /// The client closed its side before the head was complete.
    Closed,
}

/// Read until the empty line that ends a request head: `\r\n\r\n`. (An empty line that a
/// bare `\n` ends or starts counts too, so that a client that forgets a `\r` gets a 400 at
/// once instead of waiting for a timeout.)
/// TCP gives us bytes, not messages: the head may come in pieces, and must be reassembled.
fn read_head(mut conn: &TcpStream, say: &Narrator) -> Result<Head> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Some(end) = head_end(&head) {
            // Whatever follows the head (a body we do not want) is left for close() to drain.
            head.truncate(end);
            if end > MAX_HEAD {
                return Ok(Head::TooLarge);
            }
            return Ok(Head::Complete(head));
        }
        if head.len() > MAX_HEAD {
            return Ok(Head::TooLarge);
        }
        say.next("recv(1024)", "read the request head, up to the empty line");
        // `Read::read` on a TcpStream is the recv() system call.
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            // SO_RCVTIMEO expired: Unix reports it as WouldBlock, Windows as TimedOut.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                say.done("timed out: the client sent no complete head in time");
                return Ok(Head::TimedOut);
            }
            Err(e) => return Err(say.fail(e)),
        };
        if n == 0 {
            say.done("0 bytes: end of stream");
            return Ok(Head::Closed);
        }
        say.done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
        head.extend_from_slice(&buf[..n]);
    }
}

/// Where the head ends: just after the first empty line (`\n\r\n`, or a sloppy `\n\n`).
/// A proper head ends `\r\n\r\n`, which contains `\n\r\n`.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = find(bytes, b"\n\r\n").map(|at| at + 3);
    let lf = find(bytes, b"\n\n").map(|at| at + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
// ANCHOR_END: read_head

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

/// 400 Bad Request, with the reason in the body for the human at the other end.
fn bad_request(why: &str) -> Vec<u8> {
    let body = format!("400 Bad Request: {why}\n");
    response(400, "Bad Request", &[("Content-Type", TEXT)], &body)
}

const TEXT: &str = "text/plain; charset=utf-8";
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
fn respond_to(head: Head, say: &Narrator) -> Option<Vec<u8>> {
    let reply = match head {
        Head::Complete(head) => answer(&head),
        Head::TooLarge => bad_request(&format!("the request head is larger than {MAX_HEAD} bytes")),
        Head::TimedOut => response(
            408,
            "Request Timeout",
            &[("Content-Type", TEXT)],
            "408 Request Timeout: no request came\n",
        ),
        Head::Closed => {
            say.note("the client closed before the empty line: nothing to answer");
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
        // `Write::write` on a TcpStream is the send() system call.
        let n = conn.write(rest).map_err(|e| say.fail(e))?;
        say.done(format!("{n} bytes"));
        rest = &rest[n..];
    }
    show_message(bytes, say);
    Ok(())
}

/// Close politely: FIN first (shutdown), then read what the client may still send until it
/// closes too, then close. Closing a socket with unread bytes makes the kernel send RST, and
/// an RST can destroy our response before the client has read it.
fn finish(conn: TcpStream, say: &Narrator) -> Result<()> {
    say.next(
        "shutdown(SHUT_WR)",
        "send FIN after the response: the body ends here",
    );
    conn.shutdown(Shutdown::Write).map_err(|e| say.fail(e))?;
    say.done("ok");
    drain(&conn, say)?;
    close(conn, "connection", say);
    Ok(())
}

/// Read and throw away whatever the client still sends (at most 64 KiB), until it closes.
fn drain(mut conn: &TcpStream, say: &Narrator) -> Result<()> {
    let mut buf = [0u8; 1024];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        say.next("recv(1024)", "wait for the client to close its side");
        match conn.read(&mut buf) {
            Ok(0) => {
                say.done("0 bytes: end of stream, the client has closed");
                return Ok(());
            }
            Ok(n) => {
                say.done(format!("{n} bytes, ignored"));
                left = left.saturating_sub(n);
            }
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
        let n = conn.read(&mut buf).map_err(|e| say.fail(e))?;
        if n == 0 {
            say.done("0 bytes: end of stream");
            return Ok(response);
        }
        say.done(format!("{n} bytes"));
        response.extend_from_slice(&buf[..n]);
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
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let timeout = Duration::from_millis(opts.value("--timeout-ms", 5000)?);
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = listener.local_addr().map_err(|e| server.fail(e))?;

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
        let conn = common::listener::accept_with_timeout(&listener, timeout, &server)?;
        // Addresses, noted now: once closed, a socket no longer knows its peer.
        let (local, peer) = (conn.local_addr().ok(), conn.peer_addr().ok());
        send_all(&to_server, request, &client)?;

        let head = read_head(&conn, &server)?;
        let Some(reply) = respond_to(head, &server) else {
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

        drain(&conn, &server)?;
        close(conn, "connection", &server);
        if let (true, Some(local)) = (first, local) {
            // The server sent the first FIN, so the server keeps the connection in TIME_WAIT.
            server.kernel_at(local, peer);
        }
    }
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: server
/// Serve connections until stopped (or `--max N`), each on its own thread. Stateless makes
/// that easy: the threads share nothing, so there is nothing to lock.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let max: usize = opts.value("--max", 0)?;
    let timeout = Duration::from_millis(opts.value("--timeout-ms", 5000)?);
    let listener = common::listener::listen_on(opts, &say)?;
    std::thread::scope(|threads| {
        let mut served = 0;
        while max == 0 || served < max {
            let conn = common::listener::accept_with_timeout(&listener, timeout, &say)?;
            served += 1;
            threads.spawn(move || {
                let say = Narrator::new(format!("conn{served}"), LESSON.package);
                // One client's trouble (reset, vanished) ends its connection, not the server.
                if let Err(err) = serve_one(conn, &say) {
                    say.note(format!("connection ended: {err}"));
                }
            });
        }
        Ok(())
    })
}

/// One connection: read the head, answer it, close.
fn serve_one(conn: TcpStream, say: &Narrator) -> Result<()> {
    let head = read_head(&conn, say)?;
    let Some(reply) = respond_to(head, say) else {
        close(conn, "connection", say);
        return Ok(());
    };
    send_all(&conn, &reply, say)?;
    finish(conn, say)
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
