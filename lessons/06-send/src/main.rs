//! Lesson 06: `send()`, bytes and not strings.
//!
//! `send()` copies bytes from your buffer into the kernel's send buffer and returns how many it
//! took. That can be fewer than you offered. It waits (in blocking mode) only while the buffer
//! is full; once it has taken bytes, the kernel delivers them on its own, later. So sending a
//! whole message is a loop: `send_all`, the exercise (src/lib.rs says what it is given).
//!
//! The exchange: the server sends a line of UTF-8 text, `Grüße! N bytes follow.\n`, then N
//! payload bytes, then closes. The client checks that every byte arrived, in order.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use common::narrate::family;
use common::talk::{local_addr, recv_line, reuse_address};
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use lesson_06_send::{send_all, Sender};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

mod bulk;

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
            help: "server: how long one whole message may take to send (default 5000)",
        },
        Flag {
            name: "--bulk",
            value: None,
            help: "server and client: --size bytes as fast as they go, in constant memory; print GB/s",
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
    let new_socket = || Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP));
    let socket_call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let listener = say.call(socket_call, "make the socket that will listen", new_socket)?;
    // A restarted server need not wait for its old connections' TIME_WAIT (chapter 2).
    reuse_address(&listener, say)?;
    let bind = || listener.bind(&SockAddr::from(addr));
    let bound_to = |_: &()| format!("ok, bound to {}", bound(&listener));
    say.call_then(
        format!("bind({addr})"),
        "give the socket its address",
        bind,
        bound_to,
    )?;
    let why = "let the kernel accept connections for us";
    say.call("listen(backlog=128)", why, || listener.listen(128))?;
    opts.ready(bound(&listener));
    Ok(listener)
}

/// The address the kernel gave a socket (getsockname): the real port after binding port 0.
fn bound(socket: &Socket) -> SocketAddr {
    let addr = socket.local_addr().ok().and_then(|a| a.as_socket());
    addr.expect("a bound TCP socket has an IP address")
}
// ANCHOR_END: listen_on

// ANCHOR: connect_to
/// The client: socket, a small receive buffer, connect.
fn connect_to(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let new_socket = || Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP));
    let socket_call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = say.call(socket_call, "make the client's socket", new_socket)?;
    // Before connect: the receive window is announced in the handshake. Setting the size
    // also switches off Linux's autotuning for this socket (fine for a demo; see chapter 6).
    let why = "a small receive buffer, so that it fills up quickly";
    say.call(format!("setsockopt(SO_RCVBUF, {BUFFER})"), why, || {
        socket.set_recv_buffer_size(BUFFER)
    })?;
    let why = "open a TCP connection to the server";
    say.call(format!("connect({addr})"), why, || {
        socket.connect(&SockAddr::from(addr))
    })?;
    Ok(socket)
}
// ANCHOR_END: connect_to

/// Take the next connection, and give it a small send buffer.
fn accept_one(listener: &Socket, say: &Narrator) -> Result<Socket> {
    let why = "take the first connection from the accept queue";
    let (conn, _peer) = say.call_then("accept()", why, || listener.accept(), |_| "ok".into())?;
    // ANCHOR: sndbuf
    // A fixed size: the kernel no longer grows this buffer as the transfer needs.
    let why = "a small send buffer, so that it fills up quickly";
    say.call(format!("setsockopt(SO_SNDBUF, {BUFFER})"), why, || {
        conn.set_send_buffer_size(BUFFER)
    })?;
    // ANCHOR_END: sndbuf
    if cfg!(target_os = "linux") {
        // getsockopt(SO_SNDBUF), not narrated: the note says what it found.
        let size = conn
            .send_buffer_size()
            .map_err(|e| LessonError::io("getsockopt(SO_SNDBUF)", e, LESSON.package))?;
        say.note(format!(
            "kernel: the send buffer is {size} B (Linux doubles what you ask, for its own bookkeeping)"
        ));
    }
    Ok(conn)
}

// ANCHOR: bytes
/// Send a line of text. A socket carries bytes; a Rust `&str` is UTF-8 bytes already, and
/// `as_bytes()` shows them without copying. (Python's `sendall("text")` is a TypeError.)
fn send_text(conn: &Socket, text: &str, limit: Duration, say: &Narrator) -> Result<()> {
    let bytes: &[u8] = text.as_bytes();
    let (chars, len) = (text.chars().count(), bytes.len());
    say.note(format!(
        "{text:?} is {chars} characters but {len} bytes in UTF-8"
    ));
    send_every_byte(conn, bytes, limit, say)
}

/// How long the demo gives one whole message (the server: `--send-timeout-ms`).
const LIMIT: Duration = Duration::from_secs(5);

/// `send_all` (your exercise), as one narrated line, with `limit` for the whole message.
fn send_every_byte(conn: &Socket, bytes: &[u8], limit: Duration, say: &Narrator) -> Result<()> {
    let mut conn = Quiet {
        out: Narrated::quiet(conn, say.clone()),
        socket: conn,
    };
    let why = "hand every byte to the kernel before the deadline, however many send() calls";
    let all_taken = |_: &()| format!("ok, all {} bytes", bytes.len());
    let call = format!("send_all({}, {} ms)", show_bytes(bytes), limit.as_millis());
    let send = || send_all(&mut conn, bytes, limit).map_err(io::Error::from);
    say.call_then(call, why, send, all_taken)?;
    Ok(())
}

/// The socket as `send_all` sees it: its send()s go through the quiet adapter, which
/// records their bytes in the trace (`--trace`) and prints nothing.
struct Quiet<'a> {
    out: Narrated<&'a Socket>,
    socket: &'a Socket,
}

impl Sender for Quiet<'_> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.out.write(bytes)
    }
    fn send_timeout(&self) -> io::Result<Option<Duration>> {
        self.socket.write_timeout()
    }
    fn set_send_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.socket.set_write_timeout(timeout)
    }
}
// ANCHOR_END: bytes

// ANCHOR: partial
/// One `send()` on a non-blocking socket: it takes what fits in the buffers and returns at
/// once, never waiting. Returns how many bytes it took.
fn send_once(conn: &mut Narrated<&Socket>, bytes: &[u8], say: &Narrator) -> Result<usize> {
    let why = "offer every byte; the kernel takes what fits";
    // How many fit differs from run to run, so the lesson does not print the number.
    let how_many = |&n: &usize| match n < bytes.len() {
        true => format!(
            "fewer than the {} offered: only what fit in the buffers",
            bytes.len()
        ),
        false => format!("all {n} bytes"),
    };
    let call = format!("send({})", show_bytes(bytes));
    say.call_then(call, why, || conn.write(bytes), how_many)
}

/// Offer the rest until the kernel refuses, in one narrated line. (A little more may fit at
/// first: the kernel frees the bytes the client has acknowledged.) Returns how many bytes
/// were taken in all.
fn send_until_full(
    conn: &mut Narrated<&Socket>,
    bytes: &[u8],
    sent: usize,
    say: &Narrator,
) -> Result<usize> {
    let why = "nobody reads: the buffers stay full";
    let how_it_ended = |&sent: &usize| match sent < bytes.len() {
        true => "WouldBlock (EAGAIN): the buffers are full, not one byte taken".to_string(),
        false => "nothing left: every byte fit".to_string(),
    };
    say.call_then(
        "send(the rest) until it refuses",
        why,
        || offer_until_full(conn, bytes, sent),
        how_it_ended,
    )
}

/// send() the rest of `bytes` until every byte is taken or the kernel says WouldBlock.
fn offer_until_full(conn: &mut impl Write, bytes: &[u8], mut sent: usize) -> io::Result<usize> {
    while sent < bytes.len() {
        match conn.write(&bytes[sent..]) {
            Ok(n) => sent += n,
            // In blocking mode send() would wait here. Non-blocking, it says "not now".
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(sent),
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}
// ANCHOR_END: partial

// ANCHOR: drain
/// The client reads what has arrived, which makes room; the server offers the rest again.
/// Both in one thread: the client only reads when bytes are on their way, so it never waits
/// for bytes that nobody will send.
fn drain(
    (server, say_server): (&mut Narrated<&Socket>, &Narrator),
    (client, say_client): (&mut Narrated<&Socket>, &Narrator),
    payload: &[u8],
    sent: usize,
) -> Result<Vec<u8>> {
    let taken = |_: &Vec<u8>| format!("every one of the {} bytes taken at last", payload.len());
    let why = "offer what is left, each time the client has made room";
    // The two loops are one: the client's recv()s make room for the server's send()s. So the
    // client's line holds the server's, which comes first.
    let both = || {
        let turns = || take_turns(server, client, payload, sent);
        let call = "send(the rest), again and again";
        say_server
            .call_then(call, why, turns, taken)
            .map_err(into_io)
    };
    let call = format!("recv({BUFFER}), again and again");
    let why = "read what has arrived, which makes room";
    say_client.call_then(call, why, both, |got| format!("{} bytes in all", got.len()))
}

/// The server's send()s and the client's recv()s, taking turns until the client has every
/// byte of `payload` (of which `sent` bytes are taken already).
fn take_turns(
    server: &mut Narrated<&Socket>,
    client: &mut Narrated<&Socket>,
    payload: &[u8],
    mut sent: usize,
) -> io::Result<Vec<u8>> {
    let mut received = Vec::with_capacity(payload.len());
    let mut buf = vec![0u8; BUFFER];
    while received.len() < payload.len() {
        if sent < payload.len() {
            match server.write(&payload[sent..]) {
                Ok(n) => sent += n,
                // No room yet: the client reads first.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        if received.len() < sent {
            // `Read::read` on a socket is the recv() system call (lesson 07).
            let n = client.read(&mut buf)?;
            if n == 0 {
                let early = "end of stream before the whole payload";
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, early));
            }
            received.extend_from_slice(&buf[..n]);
        }
    }
    Ok(received)
}

/// The `io::Error` inside a narrated call's error (the narrator has reported it).
fn into_io(err: LessonError) -> io::Error {
    err.source.unwrap_or_else(|| io::Error::other(err.reason))
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
    let why = "give the socket back to the kernel";
    let _ = say.call(format!("close({name})"), why, || {
        drop(socket);
        Ok(())
    });
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
    let size = size(opts)?;
    let payload = payload(size);

    let listener = listen_on(opts, &server)?;
    let to_server = connect_to(local_addr(&listener, &server)?, &client)?;
    let to_client = accept_one(&listener, &server)?;

    // 1. Text is bytes: the greeting is small, so one send() takes all of it.
    send_text(&to_client, &greeting(size), LIMIT, &server)?;
    if opts.has("--peer-closes") {
        // The client goes away without reading: unread bytes make its kernel send RST.
        let server_end = (bound(&to_client), Some(bound(&to_server)));
        close(
            to_server,
            "client socket, with the greeting unread",
            &client,
        );
        server.kernel(&server_end);
        send_every_byte(&to_client, &payload, LIMIT, &server)?;
        return Err(server.protocol_error("send_all to a closed peer succeeded"));
    }
    let line = recv_line(&to_server, MAX_LINE, &client)?;
    client.note(format!("decoded as UTF-8: {:?}", decode(&line, &client)?));

    // 2. A big payload: one non-blocking send() takes only what fits.
    let why = "never wait: return WouldBlock instead";
    server.call("set_nonblocking(true)", why, || {
        to_client.set_nonblocking(true)
    })?;
    // From here on, each send() and recv() records its bytes in the trace (`--trace`).
    let mut server_out = Narrated::quiet(&to_client, server.clone());
    let mut client_in = Narrated::quiet(&to_server, client.clone());
    let sent = send_once(&mut server_out, &payload, &server)?;
    let sent = send_until_full(&mut server_out, &payload, sent, &server)?;
    show_queues(&to_client, &to_server, &server);

    // 3. The client reads, and the server offers the rest until every byte is taken.
    let received = drain(
        (&mut server_out, &server),
        (&mut client_in, &client),
        &payload,
        sent,
    )?;
    check_payload(&received, size, &client)?;
    client.kernel(&to_server);

    close(to_client, "connection", &server);
    expect_end_of_stream(&to_server, &client)?;
    close(to_server, "client socket", &client);
    close(listener, "listener", &server);
    Ok(())
}
// ANCHOR_END: demo

/// One more recv: the server has closed, so it returns 0.
fn expect_end_of_stream(mut conn: &Socket, say: &Narrator) -> Result<()> {
    let mut buf = [0u8; 1024];
    let why = "the server has closed: expect end of stream";
    match say.call_then(
        "recv(1024)",
        why,
        || conn.read(&mut buf),
        |_| "0 bytes: end of stream".into(),
    )? {
        0 => Ok(()),
        n => Err(say.protocol_error(format!("{n} bytes more than announced"))),
    }
}

/// `--send-timeout-ms MS`: how long one whole message may take (0 would fail every message).
fn send_limit(opts: &Options) -> Result<Duration> {
    match opts.value_at_most("--send-timeout-ms", 5000, common::cli::DAY_SECS * 1000)? {
        0 => Err(LessonError::protocol(
            "command line",
            "--send-timeout-ms 0: every message would time out at once; give 1 or more",
        )),
        ms => Ok(Duration::from_millis(ms)),
    }
}

/// `--size BYTES`. Without `--bulk` the payload is made whole in memory before it is sent
/// (and the client keeps every byte until the end): at most 1 GiB. `--bulk` sends any size in
/// constant memory.
fn size(opts: &Options) -> Result<usize> {
    let most = if opts.has("--bulk") {
        usize::MAX
    } else {
        1 << 30
    };
    opts.value_at_most("--size", 1024 * 1024, most)
}

// ANCHOR: server
/// Serve one client: the greeting, then the payload with send_all, then close.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let size = size(opts)?;
    let timeout = send_limit(opts)?;
    let listener = listen_on(opts, &say)?;
    let conn = match opts.has("--bulk") {
        true => bulk::accept_plain(&listener, &say)?,
        false => accept_one(&listener, &say)?,
    };

    // A client that stops reading must not hold the server for ever: each message gets a
    // deadline, however slowly the client reads.
    send_text(&conn, &greeting(size), timeout, &say)?;
    match opts.has("--bulk") {
        true => bulk::send_bulk(&conn, size as u64, timeout, &say)?,
        false => send_every_byte(&conn, &payload(size), timeout, &say)?,
    }

    close(conn, "connection", &say);
    close(listener, "listener", &say);
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Read everything until end of stream, then check the greeting and every payload byte.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = match opts.has("--bulk") {
        true => bulk::connect_plain(opts.addr, &say)?,
        false => connect_to(opts.addr, &say)?,
    };
    let why = "never wait for ever for a server that went quiet";
    say.call("setsockopt(SO_RCVTIMEO, 10 s)", why, || {
        conn.set_read_timeout(Some(Duration::from_secs(10)))
    })?;
    if opts.has("--bulk") {
        bulk::recv_bulk(&conn, &say)?;
        close(conn, "client socket", &say);
        return Ok(());
    }

    let mut conn_in = Narrated::quiet(&conn, say.clone());
    let why = "read until the server closes";
    let how_many = |all: &Vec<u8>| format!("{} bytes, then end of stream", all.len());
    let call = format!("recv({BUFFER}), again and again");
    let all = say.call_then(call, why, || recv_until_closed(&mut conn_in), how_many)?;

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

/// recv() until end of stream (0 bytes), at most BUFFER bytes each time.
fn recv_until_closed(conn: &mut impl Read) -> io::Result<Vec<u8>> {
    let (mut all, mut buf) = (Vec::new(), vec![0u8; BUFFER]);
    loop {
        match conn.read(&mut buf)? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}
