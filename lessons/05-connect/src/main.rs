//! Lesson 05: `connect()`, the handshake.
//!
//! `connect()` sends SYN, the server's kernel answers SYN-ACK, the client's kernel answers ACK:
//! the three-way handshake. The call blocks until that is done (or has failed), and along the
//! way the kernel gives the client socket a local address: an *ephemeral* port, picked for it.
//! The server's program takes no part: its kernel completes the handshake, and the connection
//! waits in the listener's accept queue.
//!
//! The exchange: the client sends `hello\n`, the server answers `you came from IP:PORT\n`
//! (the client's address, ephemeral port and all) and closes. The demo then shows the two ways
//! a connect fails: refused (nobody listens: RST) and, with `--full-queue`, timed out.

use std::io::{self, ErrorKind, Read};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::narrate::family;
use common::talk::{close, getsockname, give_up_after, local_addr, reuse_address, send_all};
use common::{Flag, Lesson, LessonError, Narrator, Options, Result};
use lesson_05_connect::{connect_first, Connector};
use socket2::{Domain, SockAddr, Socket, Type};

static LESSON: Lesson = Lesson {
    package: "lesson-05-connect",
    title: "connect(): the handshake",
    port: 7005,
    about: "The demo connects a client to a server in the same process and shows the handshake's\n\
            result from both sides, then connects to a port where nobody listens (refused).\n\
            The client sends b\"hello\\n\"; the server answers b\"you came from IP:PORT\\n\" (the\n\
            address and ephemeral port the client's kernel picked) and closes. The server serves\n\
            one client, then exits.\n\
            --full-queue (Linux): the server fills its own accept queue and never accepts, so\n\
            that a client's SYN gets no answer and its connect times out; it stops when its\n\
            standard input closes (press Ctrl-D). In the demo, it shows that timeout;\n\
            with --syncnt N too, a connect with no time limit of its own gives up when the\n\
            kernel's does, set for this socket with TCP_SYNCNT.\n\
            Try it with: printf 'hello\\n' | nc 127.0.0.1 7005",
    flags: &[
        Flag {
            name: "--limit-ms",
            value: Some("MS"),
            help: "server: give up on a client that has not finished within MS ms (default 30000)",
        },
        Flag {
            name: "--timeout",
            value: Some("MS"),
            help: "client, demo: give up connecting after MS milliseconds (default 3000)",
        },
        Flag {
            name: "--full-queue",
            value: None,
            help: "server: fill the accept queue, never accept (Linux); demo: show a timeout",
        },
        Flag {
            name: "--syncnt",
            value: Some("N"),
            help: "demo with --full-queue (Linux): no time limit, only TCP_SYNCNT N (1 or 2)",
        },
    ],
};

/// The longest line either side reads.
const MAX_LINE: usize = 256;
/// How long either side waits for a line before giving up.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: listen_on
/// The server's side (chapters 2 and 3): socket, bind, listen.
fn listen_on(addr: SocketAddr, backlog: i32, opts: &Options, say: &Narrator) -> Result<Socket> {
    let listener = bound_socket(addr, say)?;
    let why = "let the kernel answer SYNs and queue the finished connections";
    let listen = || listener.listen(backlog);
    say.call_with(
        &listener,
        format!("listen(backlog={backlog})"),
        why,
        listen,
        ok,
    )?;
    opts.ready(local_addr(&listener, say)?);
    Ok(listener)
}

/// socket + bind: a socket with an address, and (until listen) no way in.
fn bound_socket(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = say.call(call, "make the server's socket", || new_socket(addr))?;
    // A restarted server need not wait for its old connections' TIME_WAIT (chapter 2).
    reuse_address(&socket, say)?;
    // bind(), then getsockname(): with port 0, only the socket knows which port it got.
    let bind = || {
        socket
            .bind(&SockAddr::from(addr))
            .and_then(|()| getsockname(&socket))
    };
    say.call_then(
        format!("bind({addr})"),
        "give the socket its address",
        bind,
        |b| format!("ok, bound to {b}"),
    )?;
    Ok(socket)
}

/// socket(): a TCP socket for addresses of `addr`'s family.
fn new_socket(addr: SocketAddr) -> io::Result<Socket> {
    Socket::new(Domain::for_address(addr), Type::STREAM, None)
}

/// The result text of a call that returns nothing: `ok`.
fn ok(_: &()) -> String {
    "ok".to_string()
}
// ANCHOR_END: listen_on

// ANCHOR: handshake
/// The plain, blocking connect: it returns once the handshake is complete. The socket had no
/// address before; now the kernel has given it one.
fn connect_plain(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = say.call(call, "make the client's socket", || new_socket(addr))?;
    // No bind(): the socket has no address yet, so the kernel has nothing to show.
    say.kernel(&socket);

    let why = "send SYN, wait for SYN-ACK, answer ACK";
    // Blocks until the handshake is done, or the kernel gives up (minutes, if nothing answers).
    let connect = || socket.connect(&SockAddr::from(addr));
    say.call_with(&socket, format!("connect({addr})"), why, connect, |_| {
        "ok, the handshake is done".into()
    })?;

    let why = "ask which address connect() gave us";
    say.call_then(
        "getsockname()",
        why,
        || getsockname(&socket),
        |local| format!("{local}: an ephemeral port, picked by the kernel"),
    )?;
    Ok(socket)
}
// ANCHOR_END: handshake

// ANCHOR: accept
/// The server takes the finished connection from its queue (chapter 4).
fn accept_one(listener: &Socket, say: &Narrator) -> Result<(Socket, SocketAddr)> {
    let why = "take the finished connection from the queue";
    let (conn, peer) = say.call_then(
        "accept()",
        why,
        || accepted(listener),
        |(_, peer)| format!("ok, a connection from {peer}"),
    )?;
    say.kernel(&conn);
    Ok((conn, peer))
}

/// accept(): the new connection, and its peer's IP address (socket2 gives any kind of address).
fn accepted(listener: &Socket) -> io::Result<(Socket, SocketAddr)> {
    let (conn, peer) = listener.accept()?;
    let peer = peer.as_socket().ok_or(ErrorKind::InvalidData)?;
    Ok((conn, peer))
}
// ANCHOR_END: accept

/// Receive until a whole line has arrived (chapter 7), at most MAX_LINE bytes, waiting at most
/// READ_TIMEOUT for each part.
fn recv_line(conn: &Socket, say: &Narrator) -> Result<String> {
    let call = format!("setsockopt(SO_RCVTIMEO, {} ms)", READ_TIMEOUT.as_millis());
    let why = "never wait for a silent peer for ever";
    say.call(call, why, || conn.set_read_timeout(Some(READ_TIMEOUT)))?;
    let line = common::talk::recv_line(conn, MAX_LINE, say)?;
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// `--timeout MS`: how long a connect may take.
fn connect_timeout(opts: &Options) -> Result<Duration> {
    opts.millis("--timeout", 3000)
}

// ANCHOR: serve
/// The server's half of the exchange: tell the client where it came from.
fn serve(conn: &Socket, peer: SocketAddr, say: &Narrator) -> Result<()> {
    recv_line(conn, say)?;
    send_all(conn, format!("you came from {peer}\n").as_bytes(), say)
}

/// The client's half, after its hello: hear which address the server saw.
fn hear_answer(conn: &Socket, say: &Narrator) -> Result<String> {
    let answer = recv_line(conn, say)?;
    let me = local_addr(conn, say)?;
    if answer == format!("you came from {me}") {
        say.note(format!(
            "the server sees us at {me}, the port our kernel picked"
        ));
    }
    Ok(answer)
}
// ANCHOR_END: serve

// ANCHOR: connector
/// Each try as `connect_first` (your exercise) makes it: `socket()`, then `connect_timeout()`,
/// each narrated as one line. A failed call is kept, with a hint that says what it means, for
/// the lesson to report. (Tries may run on several threads at once: hence the mutex.)
struct NarratedConnector {
    say: Narrator,
    failed: Mutex<Option<LessonError>>,
}

impl Connector for NarratedConnector {
    type Conn = Socket;

    fn connect(&self, addr: SocketAddr, timeout: Duration) -> io::Result<Socket> {
        let call = format!("socket({}, SOCK_STREAM)", family(&addr));
        let made = self
            .say
            .call(call, "make the client's socket", || new_socket(addr));
        let socket = self.keep(made)?;
        // What is left of the overall timeout, a moment less than it: said to 100 ms.
        let ms = timeout.as_millis().div_ceil(100) * 100;
        let call = format!("connect_timeout({addr}, {ms} ms)");
        let why = "send SYN and wait for SYN-ACK, but not longer than the timeout";
        let connect = || socket.connect_timeout(&SockAddr::from(addr), timeout);
        let done = self.say.call_with(&socket, call, why, connect, |_| {
            "ok, the handshake is done".into()
        });
        self.keep(done.map_err(|e| explained(e, ms)))?;
        Ok(socket)
    }
}

impl NarratedConnector {
    /// Keep a failed call's narrated error (it names the call), and hand on the bare error.
    fn keep<T>(&self, result: Result<T>) -> io::Result<T> {
        result.map_err(|e| {
            let kind = e.kind().unwrap_or(ErrorKind::Other);
            *self.failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
            io::Error::from(kind)
        })
    }
}

/// A refusal and a timeout mean different things. Refused: the machine answered RST, nobody
/// listens on that port (the usual hint: is the server running?). Timed out: our SYN went
/// unanswered (lost, dropped, or nobody at that address).
fn explained(error: LessonError, ms: u128) -> LessonError {
    match error.kind() {
        Some(ErrorKind::TimedOut) => error.with_hint(format!(
            "no answer to our SYN within {ms} ms; is the address right, is the server \
             overloaded? (a longer --timeout waits more)"
        )),
        _ => error,
    }
}

/// How long a try has before the next address is tried too: RFC 8305's recommended
/// "Connection Attempt Delay".
const STAGGER: Duration = Duration::from_millis(250);

/// Connect to `addr` within `timeout`, through `connect_first` (your exercise), narrated as
/// `who`. A failure is the error of the call that failed, as narrated, with its hint.
fn connect_with_timeout(addr: SocketAddr, timeout: Duration, who: Narrator) -> Result<Socket> {
    let failed = Mutex::new(None);
    let connector = Arc::new(NarratedConnector { say: who, failed });
    match connect_first(&[addr], STAGGER, timeout, &connector) {
        Ok((socket, _)) => Ok(socket),
        Err(e) => match connector.failed.lock().ok().and_then(|mut f| f.take()) {
            Some(failed) if failed.kind() == Some(e.kind()) => Err(failed),
            _ => Err(LessonError::io("connect_first", e, LESSON.package)),
        },
    }
}
// ANCHOR_END: connector

// ANCHOR: demo
/// One connect that works, and one that is refused.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--full-queue") && opts.has("--syncnt") {
        return demo_syncnt(opts);
    }
    if opts.has("--full-queue") {
        return demo_timeout(opts);
    }
    if opts.has("--syncnt") {
        return Err(LessonError::protocol(
            "command line",
            "--syncnt needs --full-queue: only a SYN with no answer shows the kernel's limit",
        ));
    }
    let server = opts.narrator("server");
    let client = opts.narrator("client");

    let listener = listen_on(opts.addr, 128, opts, &server)?;
    let addr = local_addr(&listener, &server)?;
    let to_server = connect_plain(addr, &client)?;
    // The handshake is over, and the server's program has done nothing: the kernel did it all.
    server.kernel(&listener);
    let (to_client, peer) = accept_one(&listener, &server)?;

    send_all(&to_server, b"hello\n", &client)?;
    serve(&to_client, peer, &server)?;
    hear_answer(&to_server, &client)?;
    close(to_server, "client socket", &client);
    close(to_client, "connection", &server);
    close(listener, "listener", &server);

    // A port with a socket bound to it, but no listen(): the kernel answers SYN with RST.
    let closed = bound_socket(opts.addr, &server)?;
    let closed_addr = local_addr(&closed, &server)?;
    server.note(format!(
        "no listen() on {closed_addr}: nothing will accept a connection there"
    ));
    match connect_with_timeout(closed_addr, connect_timeout(opts)?, opts.narrator("client")) {
        Ok(_) => client.note("connected?! someone listens there after all"),
        Err(err) => client.note(format!("the client would stop here with: error: {err}")),
    }
    // It never connected to anything: closing it sends nothing.
    let close_it = || {
        drop(closed);
        Ok(())
    };
    let why = "give the socket back to the kernel";
    server.call_then("close(bound socket)", why, close_it, |_| {
        "ok, nothing sent".into()
    })?;
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: full_queue
/// Linux: a listener whose accept queue is full drops new SYNs without an answer. The client
/// hears nothing, resends its SYN now and then, and its connect_timeout runs out.
#[cfg(target_os = "linux")]
fn fill_queue(opts: &Options, say: &Narrator) -> Result<(Socket, Vec<Socket>)> {
    // With backlog 1, Linux lets two finished connections wait (one more than the backlog).
    let listener = listen_on(opts.addr, 1, opts, say)?;
    let addr = local_addr(&listener, say)?;
    let filler = opts.narrator("filler");
    let mut fillers = Vec::new();
    for _ in 0..2 {
        let call = format!("socket({}, SOCK_STREAM)", family(&addr));
        let why = "make a socket to fill the queue with";
        let socket = filler.call(call, why, || new_socket(addr))?;
        let why = "take a place in the queue";
        filler.call(format!("connect({addr})"), why, || {
            socket.connect(&SockAddr::from(addr))
        })?;
        fillers.push(socket);
    }
    // Nobody will accept() these: the queue stays full.
    say.kernel(&listener);
    Ok((listener, fillers))
}

#[cfg(not(target_os = "linux"))]
fn fill_queue(_opts: &Options, say: &Narrator) -> Result<(Socket, Vec<Socket>)> {
    Err(say.protocol_error(
        "--full-queue needs Linux: other systems may answer a full queue with RST, or take \
         more connections than the backlog says",
    ))
}

/// The demo with `--full-queue`: a connect that gets no answer times out.
fn demo_timeout(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let (listener, fillers) = fill_queue(opts, &server)?;
    let addr = local_addr(&listener, &server)?;
    match connect_with_timeout(addr, connect_timeout(opts)?, opts.narrator("client")) {
        Ok(_) => client.note("connected?! the queue was not full after all"),
        Err(err) => client.note(format!("the client would stop here with: error: {err}")),
    }
    drop(fillers);
    close(listener, "listener", &server);
    Ok(())
}
// ANCHOR_END: full_queue

// ANCHOR: syncnt
/// The demo with `--full-queue --syncnt N`: a blocking connect with no time limit of its own.
/// TCP_SYNCNT (tcp(7)) takes the place of net.ipv4.tcp_syn_retries for this one socket, and
/// the kernel turns the count into a time, as if each wait doubled from 1 s: 1 + 2 = 3 s for
/// N = 1. connect() fails at the first retransmission timer past it (net/ipv4/tcp_timer.c).
fn demo_syncnt(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let count = syncnt(opts)?;
    let (listener, fillers) = fill_queue(opts, &server)?;
    let addr = local_addr(&listener, &server)?;
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = client.call(call, "make the client's socket", || new_socket(addr))?;
    let why = "resend our SYN only as long as this count allows, for this socket alone";
    let set = || set_syncnt(&socket, count);
    client.call(format!("setsockopt(TCP_SYNCNT, {count})"), why, set)?;
    let why = "send SYN and wait, with no limit but the kernel's";
    let connect = || socket.connect(&SockAddr::from(addr));
    match client.call(format!("connect({addr})"), why, connect) {
        Ok(()) => client.note("connected?! the queue was not full after all"),
        Err(e) if e.kind() != Some(ErrorKind::TimedOut) => return Err(e),
        Err(_) => {
            let waits: Vec<String> = (0..=count).map(|k| (1u32 << k).to_string()).collect();
            let limit = (1u32 << (count + 1)) - 1;
            let waits = waits.join(" + ");
            client.note(format!(
                "the kernel gave up: TCP_SYNCNT {count} allows {waits} = {limit} s of SYNs"
            ));
        }
    }
    drop(fillers);
    close(listener, "listener", &server);
    Ok(())
}
// ANCHOR_END: syncnt

/// `--syncnt N`: 1 or 2 (3 s or 7 s, measured on Linux 6.18). Larger counts wait longer, and
/// since Linux 6.5 (`tcp_syn_linear_timeouts`) not always the sum the note prints: the kernel
/// checks its limit only when a retransmission timer fires (chapter 5).
fn syncnt(opts: &Options) -> Result<u32> {
    match opts.value("--syncnt", 1)? {
        count @ 1..=2 => Ok(count),
        other => Err(LessonError::protocol(
            "command line",
            format!("--syncnt {other}: the demo takes 1 or 2 (Linux's default, 6, waits minutes)"),
        )),
    }
}

/// setsockopt(IPPROTO_TCP, TCP_SYNCNT, count): socket2 has no setter for it.
#[cfg(target_os = "linux")]
fn set_syncnt(socket: &Socket, count: u32) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let value = count as libc::c_int;
    // SAFETY: the option value is a c_int we own, passed with its size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_SYNCNT,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    match rc {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn set_syncnt(_socket: &Socket, _count: u32) -> io::Result<()> {
    Err(io::Error::new(
        ErrorKind::Unsupported,
        "TCP_SYNCNT is Linux's",
    ))
}

// ANCHOR: server
/// Serve one client, then exit (giving up on it after `--limit-ms`). With `--full-queue`, never accept: wait for standard input
/// to close instead, while clients' connects time out.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    if opts.has("--full-queue") {
        let (listener, _fillers) = fill_queue(opts, &say)?;
        say.note("the accept queue is full; press Ctrl-D (close standard input) to stop");
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        close(listener, "listener", &say);
        return Ok(());
    }
    let listener = listen_on(opts.addr, 128, opts, &say)?;
    let (conn, peer) = accept_one(&listener, &say)?;
    give_up_after(opts.millis("--limit-ms", 30_000)?, &say);
    let result = serve(&conn, peer, &say);
    close(conn, "connection", &say);
    close(listener, "listener", &say);
    result
}
// ANCHOR_END: server

// ANCHOR: client
/// Connect (with a timeout), say hello, print the answer, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = connect_with_timeout(opts.addr, connect_timeout(opts)?, opts.narrator("client"))?;
    let answer = send_all(&conn, b"hello\n", &say).and_then(|()| hear_answer(&conn, &say));
    close(conn, "client socket", &say);
    println!("answer: {}", answer?);
    Ok(())
}
// ANCHOR_END: client
