//! Lesson 06: `send()`, bytes and not strings.
//!
//! `send()` copies bytes from your buffer into the kernel's send buffer and returns how many it
//! took. That can be fewer than you offered. It waits (in blocking mode) only while the buffer
//! is full; once it has taken bytes, the kernel delivers them on its own, later. So sending a
//! whole message is a loop: `send_all`, the exercise.
//!
//! The exchange: the server sends a line of UTF-8 text, `Grüße! N bytes follow.\n`, then N
//! payload bytes, then closes. The client checks that every byte arrived, in order.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use common::narrate::family;
use common::talk::{local_addr, recv_line, reuse_address};
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

// The function this lesson is about lives in its own file, so that you can write it yourself:
// src/exercise.rs is yours (`cargo exercise lesson-06-send` checks it), src/solution.rs is ours.
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(all(feature = "wrong", not(feature = "exercise")), path = "wrong.rs")]
#[cfg_attr(
    not(any(feature = "exercise", feature = "wrong")),
    path = "solution.rs"
)]
mod task;
use task::send_all;

/// The longest line the lesson reads.
const MAX_LINE: usize = 1024;

static LESSON: Lesson = Lesson {
    package: "lesson-06-send",
    title: "send(): bytes, not strings — and a send may take fewer bytes than offered",
    port: 7006,
    about: "The server sends one line of UTF-8 text, b\"Gr\\xc3\\xbc\\xc3\\x9fe! N bytes follow.\\n\"\n\
            (\"Grüße!\": ü and ß take two bytes each), then N payload bytes (0, 1, 2, … 250,\n\
            0, 1, …), then closes. The client reads until end of stream and checks every byte.\n\
            The demo offers the whole payload to one non-blocking send() to show that it takes\n\
            fewer bytes than offered. Try: nc 127.0.0.1 7006 | wc -c   (prints N + 31)\n\
            or stop reading early: nc 127.0.0.1 7006 | head -c 10, and watch the server's send fail.",
    flags: &[
        Flag {
            name: "--size",
            value: Some("BYTES"),
            help: "how many payload bytes the server sends (default 1048576)",
        },
        Flag {
            name: "--send-timeout-ms",
            value: Some("MS"),
            help: "server: SO_SNDTIMEO, how long one send() may wait for room (default 5000)",
        },
        Flag {
            name: "--peer-closes",
            value: None,
            help: "demo: the client closes without reading; see what send() reports",
        },
    ],
};

/// The send and receive buffer sizes the lesson asks for: small, so that they fill up fast.
const BUFFER: usize = 64 * 1024;

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The payload: 0, 1, 2, … 250, 0, 1, … A lost or repeated chunk shows up as a wrong byte.
fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

/// The line the server sends first. Text, so it has to become bytes.
fn greeting(size: usize) -> String {
    format!("Grüße! {size} bytes follow.\n")
}

// ANCHOR: listen_on
/// The server's first three calls: socket, bind, listen.
fn listen_on(opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the socket that will listen",
    );
    let domain = Domain::for_address(addr);
    let listener =
        Socket::new(domain, Type::STREAM, Some(Protocol::TCP)).map_err(|e| say.fail(e))?;
    say.done("ok");
    // A restarted server need not wait for its old connections' TIME_WAIT (chapter 2).
    reuse_address(&listener, say)?;

    say.next(format!("bind({addr})"), "give the socket its address");
    listener
        .bind(&SockAddr::from(addr))
        .map_err(|e| say.fail(e))?;
    let bound = local_addr(&listener, say)?;
    say.done(format!("ok, bound to {bound}"));

    say.next(
        "listen(backlog=128)",
        "let the kernel accept connections for us",
    );
    listener.listen(128).map_err(|e| say.fail(e))?;
    say.done("ok");

    opts.ready(bound);
    Ok(listener)
}
// ANCHOR_END: listen_on

// ANCHOR: connect_to
/// The client: socket, a small receive buffer, connect.
fn connect_to(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the client's socket",
    );
    let domain = Domain::for_address(addr);
    let socket = Socket::new(domain, Type::STREAM, Some(Protocol::TCP)).map_err(|e| say.fail(e))?;
    say.done("ok");

    // Before connect: the receive window is announced in the handshake. Setting the size
    // also switches off Linux's autotuning for this socket (fine for a demo; see chapter 6).
    say.next(
        format!("setsockopt(SO_RCVBUF, {BUFFER})"),
        "a small receive buffer, so that it fills up quickly",
    );
    socket
        .set_recv_buffer_size(BUFFER)
        .map_err(|e| say.fail(e))?;
    say.done("ok");

    say.next(
        format!("connect({addr})"),
        "open a TCP connection to the server",
    );
    socket
        .connect(&SockAddr::from(addr))
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(socket)
}
// ANCHOR_END: connect_to

/// Take the next connection, and give it a small send buffer.
fn accept_one(listener: &Socket, say: &Narrator) -> Result<Socket> {
    say.next(
        "accept()",
        "take the first connection from the accept queue",
    );
    let (conn, _peer) = listener.accept().map_err(|e| say.fail(e))?;
    say.done("ok");

    // ANCHOR: sndbuf
    // A fixed size: the kernel no longer grows this buffer as the transfer needs.
    say.next(
        format!("setsockopt(SO_SNDBUF, {BUFFER})"),
        "a small send buffer, so that it fills up quickly",
    );
    conn.set_send_buffer_size(BUFFER).map_err(|e| say.fail(e))?;
    say.done("ok");
    // ANCHOR_END: sndbuf
    if cfg!(target_os = "linux") {
        let size = conn.send_buffer_size().map_err(|e| say.fail(e))?;
        say.note(format!(
            "kernel: the send buffer is {size} B (Linux doubles what you ask, for its own bookkeeping)"
        ));
    }
    Ok(conn)
}

// ANCHOR: bytes
/// Send a line of text. A socket carries bytes; a Rust `&str` is UTF-8 bytes already, and
/// `as_bytes()` shows them without copying. (Python's `sendall("text")` is a TypeError.)
fn send_text(conn: &Socket, text: &str, say: &Narrator) -> Result<()> {
    let bytes: &[u8] = text.as_bytes();
    say.note(format!(
        "{:?} is {} characters but {} bytes in UTF-8",
        text,
        text.chars().count(),
        bytes.len()
    ));
    say.next(
        format!("send_all({})", show_bytes(bytes)),
        "hand every byte to the kernel, however many send() calls it takes",
    );
    let calls = send_all(conn, bytes).map_err(|e| say.fail(e))?;
    say.done(format!(
        "ok, all {} bytes, in {}",
        bytes.len(),
        calls_text(calls)
    ));
    Ok(())
}
// ANCHOR_END: bytes

fn calls_text(calls: usize) -> String {
    match calls {
        1 => "1 send() call".to_string(),
        n => format!("{n} send() calls"),
    }
}

// ANCHOR: partial
/// One `send()` on a non-blocking socket: it takes what fits in the buffers and returns at
/// once, never waiting. Returns how many bytes it took.
fn send_once(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<usize> {
    say.next(
        format!("send({})", show_bytes(bytes)),
        "offer every byte; the kernel takes what fits",
    );
    let n = conn.send(bytes).map_err(|e| say.fail(e))?;
    if n < bytes.len() {
        // How many fit differs from run to run, so the lesson does not print the number.
        say.done(format!(
            "fewer than the {} offered: only what fit in the buffers",
            bytes.len()
        ));
    } else {
        say.done(format!("all {n} bytes"));
    }
    Ok(n)
}

/// Offer the rest until the kernel refuses. (A little more may fit at first: the kernel
/// frees the bytes the client has acknowledged.) Returns how many bytes were taken in all.
fn send_until_full(conn: &Socket, bytes: &[u8], mut sent: usize, say: &Narrator) -> Result<usize> {
    say.next(
        "send(the rest) until it refuses",
        "nobody reads: the buffers stay full",
    );
    while sent < bytes.len() {
        match conn.send(&bytes[sent..]) {
            Ok(n) => sent += n,
            // In blocking mode send() would wait here. Non-blocking, it says "not now".
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                say.done("WouldBlock (EAGAIN): the buffers are full, not one byte taken");
                return Ok(sent);
            }
            Err(e) => return Err(say.fail(e)),
        }
    }
    say.done("nothing left: every byte fit");
    Ok(sent)
}
// ANCHOR_END: partial

// ANCHOR: drain
/// The client reads what has arrived, which makes room; the server offers the rest again.
/// Both in one thread: the client only reads when bytes are on their way, so it never waits
/// for bytes that nobody will send.
fn drain(
    (server, say_server): (&Socket, &Narrator),
    (mut client, say_client): (&Socket, &Narrator),
    payload: &[u8],
    mut sent: usize,
) -> Result<Vec<u8>> {
    let mut received = Vec::with_capacity(payload.len());
    let mut buf = vec![0u8; BUFFER];
    say_server.next(
        "send(the rest), again and again",
        "offer what is left, each time the client has made room",
    );
    say_client.next(
        format!("recv({BUFFER}), again and again"),
        "read what has arrived, which makes room",
    );
    while received.len() < payload.len() {
        if sent < payload.len() {
            match server.send(&payload[sent..]) {
                Ok(n) => sent += n,
                // No room yet: the client reads first.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(say_server.fail(e)),
            }
        }
        if received.len() < sent {
            // `Read::read` on a socket is the recv() system call (lesson 07).
            let n = client.read(&mut buf).map_err(|e| say_client.fail(e))?;
            if n == 0 {
                return Err(say_client.protocol_error("end of stream before the whole payload"));
            }
            received.extend_from_slice(&buf[..n]);
        }
    }
    say_server.done(format!(
        "every one of the {} bytes taken at last",
        payload.len()
    ));
    say_client.done(format!("{} bytes in all", received.len()));
    Ok(received)
}
// ANCHOR_END: drain

/// What the kernel holds after a partial send, said without the numbers (they vary).
fn show_queues(server: &Socket, client: &Socket, say: &Narrator) {
    use common::kernel::{lookup, View};
    let queue = |socket: &Socket, pick: fn(&common::kernel::Entry) -> u32| {
        let local = socket.local_addr().ok().and_then(|a| a.as_socket())?;
        let peer = socket.peer_addr().ok().and_then(|a| a.as_socket());
        match lookup(local, peer) {
            View::Found(entry) => Some(if pick(&entry) > 0 {
                "holds bytes"
            } else {
                "is empty"
            }),
            _ => None,
        }
    };
    let sending = queue(server, |e| e.tx_queue);
    let receiving = queue(client, |e| e.rx_queue);
    if let (Some(sending), Some(receiving)) = (sending, receiving) {
        say.note(format!(
            "kernel: the server's send queue {sending}, the client's receive queue {receiving}"
        ));
    }
}

/// Close a socket (drop it), and show what the kernel keeps of it.
fn close(socket: Socket, name: &str, say: &Narrator) {
    let local = socket.local_addr().ok().and_then(|a| a.as_socket());
    let peer = socket.peer_addr().ok().and_then(|a| a.as_socket());
    say.next(
        format!("close({name})"),
        "give the socket back to the kernel",
    );
    drop(socket);
    say.done("ok");
    if let (Some(local), Some(_)) = (local, peer) {
        say.kernel_at(local, peer);
    }
}

/// Bytes back to text: only a whole line is decoded, never a piece of one (a piece may end in
/// the middle of a character).
fn decode(line: &[u8], say: &Narrator) -> Result<String> {
    String::from_utf8(line.to_vec())
        .map_err(|e| say.protocol_error(format!("the greeting is not UTF-8 text: {e}")))
}

/// Check the payload byte by byte.
fn check_payload(got: &[u8], size: usize, say: &Narrator) -> Result<()> {
    if got.len() < size {
        return Err(say.protocol_error(format!(
            "the server closed after {} of {size} payload bytes",
            got.len()
        )));
    }
    if got.len() > size {
        return Err(say.protocol_error(format!(
            "{} bytes arrived, {size} were announced",
            got.len()
        )));
    }
    if got != payload(size).as_slice() {
        return Err(say.protocol_error("the payload arrived, but not in order"));
    }
    say.note(format!(
        "all {size} payload bytes arrived, every one in its place"
    ));
    Ok(())
}

// ANCHOR: demo
/// Both sides in one process, one call at a time.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let size = opts.value("--size", 1024 * 1024)?;
    let payload = payload(size);

    let listener = listen_on(opts, &server)?;
    let to_server = connect_to(local_addr(&listener, &server)?, &client)?;
    let to_client = accept_one(&listener, &server)?;

    // 1. Text is bytes: the greeting is small, so one send() takes all of it.
    send_text(&to_client, &greeting(size), &server)?;
    if opts.has("--peer-closes") {
        // The client goes away without reading: unread bytes make its kernel send RST.
        let server_end = (
            local_addr(&to_client, &server)?,
            Some(local_addr(&to_server, &client)?),
        );
        close(
            to_server,
            "client socket, with the greeting unread",
            &client,
        );
        server.kernel(&server_end);
        server.next(
            format!("send_all({})", show_bytes(&payload)),
            "send to a peer that is gone",
        );
        send_all(&to_client, &payload).map_err(|e| server.fail(e))?;
        return Err(server.protocol_error("send_all to a closed peer succeeded"));
    }
    let line = recv_line(&to_server, MAX_LINE, &client)?;
    client.note(format!("decoded as UTF-8: {:?}", decode(&line, &client)?));

    // 2. A big payload: one non-blocking send() takes only what fits.
    server.next(
        "set_nonblocking(true)",
        "never wait: return WouldBlock instead",
    );
    to_client
        .set_nonblocking(true)
        .map_err(|e| server.fail(e))?;
    server.done("ok");
    let sent = send_once(&to_client, &payload, &server)?;
    let sent = send_until_full(&to_client, &payload, sent, &server)?;
    show_queues(&to_client, &to_server, &server);

    // 3. The client reads, and the server offers the rest until every byte is taken.
    let received = drain((&to_client, &server), (&to_server, &client), &payload, sent)?;
    check_payload(&received, size, &client)?;
    client.kernel(&to_server);

    close(to_client, "connection", &server);
    say_end_of_stream(&to_server, &client)?;
    close(to_server, "client socket", &client);
    close(listener, "listener", &server);
    Ok(())
}
// ANCHOR_END: demo

/// One more recv: the server has closed, so it returns 0.
fn say_end_of_stream(mut conn: &Socket, say: &Narrator) -> Result<()> {
    let mut buf = [0u8; 1024];
    say.next("recv(1024)", "the server has closed: expect end of stream");
    let n = conn.read(&mut buf).map_err(|e| say.fail(e))?;
    match n {
        0 => say.done("0 bytes: end of stream"),
        n => return Err(say.protocol_error(format!("{n} bytes more than announced"))),
    }
    Ok(())
}

// ANCHOR: server
/// Serve one client: the greeting, then the payload with send_all, then close.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let size = opts.value("--size", 1024 * 1024)?;
    let timeout = Duration::from_millis(opts.value("--send-timeout-ms", 5000)?);
    let listener = listen_on(opts, &say)?;
    let conn = accept_one(&listener, &say)?;

    // A client that stops reading would make send() wait forever; this turns the wait into
    // an error (send() returns what it took so far, or WouldBlock if it took nothing).
    say.next(
        format!("setsockopt(SO_SNDTIMEO, {} ms)", timeout.as_millis()),
        "give up when one send() waits too long for room",
    );
    conn.set_write_timeout(Some(timeout))
        .map_err(|e| say.fail(e))?;
    say.done("ok");

    send_text(&conn, &greeting(size), &say)?;
    let payload = payload(size);
    say.next(
        format!("send_all({})", show_bytes(&payload)),
        "hand every byte to the kernel, however many send() calls it takes",
    );
    let calls = send_all(&conn, &payload).map_err(|e| say.fail(e))?;
    say.done(format!("ok, all {size} bytes, in {}", calls_text(calls)));

    close(conn, "connection", &say);
    close(listener, "listener", &say);
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Read everything until end of stream, then check the greeting and every payload byte.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let mut conn = connect_to(opts.addr, &say)?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| say.fail(e))?;

    let mut all = Vec::new();
    let mut buf = vec![0u8; BUFFER];
    say.next(
        format!("recv({BUFFER}), again and again"),
        "read until the server closes",
    );
    loop {
        let n = conn.read(&mut buf).map_err(|e| say.fail(e))?;
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buf[..n]);
    }
    say.done(format!("{} bytes, then end of stream", all.len()));

    let Some(end) = all.iter().position(|&b| b == b'\n') else {
        return Err(say.protocol_error("no greeting line: the server sent no newline"));
    };
    let text = decode(&all[..=end], &say)?;
    println!("greeting: {}", text.trim_end());
    let size: usize = text
        .split_whitespace()
        .nth(1)
        .and_then(|word| word.parse().ok())
        .ok_or_else(|| say.protocol_error("the greeting does not say how many bytes follow"))?;
    check_payload(&all[end + 1..], size, &say)?;
    close(conn, "client socket", &say);
    Ok(())
}
// ANCHOR_END: client
