//! Lesson 03: `listen()`, a queue for connections.
//!
//! `listen()` turns a bound socket into a passive one: from then on the kernel itself answers
//! clients' handshakes on its address and keeps each finished connection in the socket's
//! accept queue until the program calls `accept()`. The backlog says how long that queue may
//! grow. listen() returns at once: it waits for nothing.
//!
//! The demo first shows a client refused by a socket that is bound but not listening; then it
//! listens, lets three clients connect and send their line BEFORE the server accepts anyone
//! (the accept queue grows: 1, 2, 3), and only then accepts them one by one (3, 2, 1, 0).
//! At the end it measures the empty queue with `fill_queue` (the exercise): connect, never
//! accept, count, until a connection does not get in (4 with a backlog of 3, on Linux).
//!
//! The exchange, per client: the client sends its name and a newline, `alice\n`; the server
//! answers `hello alice, you are number 1\n` (the order in which it accepted them) and closes.
//!
//! With `--backlog 1` the queue overflows twice: at a SYN (the client hears nothing) and at
//! the handshake's last ACK (the client thinks it is connected; the server's kernel does not
//! agree yet). `--std` measures the queue of std's `TcpListener::bind` the same way. `--rude` adds a client that
//! misbehaves: the server serves one client at a time, so it gives each a deadline and a
//! size limit, reports a client's error, closes that client and goes on.

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::cli::Mode;
use common::narrate::family;
use common::narrate::Endpoints;
use common::show_bytes;
use common::talk::{getsockname, send_all};
use common::{Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use lesson_03_listen::{fill_queue, Filled, Next};
use socket2::{Domain, SockAddr, Socket, Type};

static LESSON: Lesson = Lesson {
    package: "lesson-03-listen",
    title: "listen(): a queue for connections",
    port: 7003,
    about: "The demo binds without listening (a client is refused), then listens with a backlog of 3,\n\
            lets clients connect and send a line before the server accepts anyone (watch the accept\n\
            queue grow), then accepts them one by one, and at the end measures how many connections\n\
            the queue holds (connect, never accept, count).\n\n\
            The exchange, per client: the client sends its name, b\"alice\\n\" (1 to 32 bytes of text);\n\
            the server answers b\"hello alice, you are number 1\\n\" and closes. The server serves\n\
            --clients clients, then exits; a client that misbehaves (closes, resets, sends no\n\
            newline, bytes that are not text, or too slowly) is reported and closed, and the\n\
            server goes on with the next. Try it with: printf 'alice\\n' | nc 127.0.0.1 7003\n\
            To see the queue: start the server with --step, stop before accept(), connect a few nc\n\
            clients, and look at the Recv-Q column of: ss -tln 'sport = :7003'",
    flags: &[
        Flag {
            name: "--backlog",
            value: Some("N"),
            help: "the backlog passed to listen() (default 3)",
        },
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "demo: how many clients connect before the first accept (default 3, at most 8); server: how many clients to serve before it exits (default 3; 0: until stopped)",
        },
        Flag {
            name: "--rude",
            value: None,
            help: "demo: the second client (trudy) sends bytes that are not text; the server reports it, closes it, and goes on",
        },
        Flag {
            name: "--std",
            value: None,
            help: "demo: listen with std's TcpListener::bind instead, and count how many connections its queue holds",
        },
        Flag {
            name: "--timeout",
            value: Some("MS"),
            help: "server: a client must send its whole name, and take its whole answer, within MS milliseconds each (default 10000)",
        },
        Flag {
            name: "--name",
            value: Some("NAME"),
            help: "client: the name to send (default alice)",
        },
    ],
};

/// The clients of the demo, in the order they connect.
const NAMES: [&str; 8] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
];

/// The two clients that arrive when the queue has room for one (the full-queue demo).
const LATE_NAMES: [&str; 2] = ["yann", "zoe"];

/// How long a demo client waits for its connection. On loopback a handshake takes
/// microseconds; a client still waiting after this is stuck behind a full accept queue.
const DEMO_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// The most connections the queue measurement makes, in case a system never says no: more
/// than std's queue holds (129), fewer than the 256 descriptors macOS gives a process.
const PROBE_CEILING: usize = 200;

/// The `client` command waits longer, but not forever (Linux would retry for two minutes).
const CLIENT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a client waits for the server's answer line.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The time limits in step mode, where the server waits for your Enter before each call.
const STEP_MODE_LIMIT: Duration = Duration::from_secs(600);

/// The longest name the server accepts, newline included.
const MAX_LINE: usize = 33;

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The --backlog and --clients flags, checked.
fn settings(opts: &Options) -> Result<(usize, usize)> {
    let backlog = opts.value("--backlog", 3usize)?;
    let clients = opts.value("--clients", 3usize)?;
    // The demo has eight names; a server may serve any number (0: until it is stopped).
    let most = if opts.mode == Mode::Demo {
        NAMES.len()
    } else {
        usize::MAX
    };
    let least = if opts.mode == Mode::Demo { 1 } else { 0 };
    if clients < least || clients > most {
        let reason = format!("--clients {clients}: use 1 to {}", NAMES.len());
        return Err(LessonError::protocol("command line", reason));
    }
    Ok((backlog, clients))
}

/// The --timeout flag: how long a client may take to send its name, and to take its answer.
fn limits(opts: &Options) -> Result<Limits> {
    let mut limit = opts
        .millis("--timeout", 10_000)?
        .max(Duration::from_millis(1));
    // In step mode you are the clock: every pause before a call would eat into the deadline.
    if common::narrate::step_mode() {
        limit = limit.max(STEP_MODE_LIMIT);
    }
    Ok(Limits {
        read: limit,
        write: limit,
    })
}

// ANCHOR: bind
/// socket() and bind(): an address, but no listening yet.
fn bound_socket(addr: SocketAddr, say: &Narrator) -> Result<(Socket, SocketAddr)> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = say.call(call, "make the socket that will listen", || {
        new_socket(addr)
    })?;

    // As in lesson 02 (and as std does on Unix): a server restarted at once may bind its
    // port although the connections it closed last are still in TIME_WAIT. (Windows gives
    // the name another meaning, so std leaves it off there, and so do we.)
    if cfg!(unix) {
        let why = "allow a restart on a port whose last connections are in TIME_WAIT";
        say.call("setsockopt(SO_REUSEADDR, 1)", why, || {
            socket.set_reuse_address(true)
        })?;
    }

    let why = "give the socket its address (lesson 02)";
    // bind(), then getsockname(): with port 0, only the socket knows which port it got.
    let bind = || {
        socket
            .bind(&SockAddr::from(addr))
            .and_then(|()| getsockname(&socket))
    };
    // Bound but not listening: the kernel's TCP table does not list it yet.
    let bound = say.call_with(&socket, format!("bind({addr})"), why, bind, |bound| {
        format!("ok, bound to {bound}")
    })?;
    Ok((socket, bound))
}

/// socket(): a TCP socket for addresses of `addr`'s family.
fn new_socket(addr: SocketAddr) -> io::Result<Socket> {
    Socket::new(Domain::for_address(addr), Type::STREAM, None)
}

/// Close a socket (drop it): `call` is how the lesson names it, `close(connection)`.
fn close(socket: Socket, call: &str, why: &str, say: &Narrator) {
    // drop() cannot fail: whatever happens, the kernel takes the socket back.
    let _ = say.call(call, why, || {
        drop(socket);
        Ok(())
    });
}
// ANCHOR_END: bind

// ANCHOR: not_listening
/// A client tries to connect before listen(): the kernel has nobody to give the connection
/// to, so it answers the client's SYN with a reset, and connect() fails at once.
fn connect_too_early(addr: SocketAddr, say: &Narrator) -> Result<()> {
    let socket = client_socket(addr, say)?;
    let why = "connect to a socket that is bound but not listening";
    let connect = || socket.connect_timeout(&SockAddr::from(addr), DEMO_CONNECT_TIMEOUT);
    match say.call(format!("connect({addr})"), why, connect) {
        Err(e) if e.kind() == Some(ErrorKind::ConnectionRefused) => {
            say.note("as expected: a bound socket that does not listen refuses connections");
            Ok(())
        }
        Err(e) => Err(e),
        Ok(()) => Err(say.protocol_error("connected to a socket that does not listen")),
    }
}
// ANCHOR_END: not_listening

// ANCHOR: listen
/// listen(): the socket becomes passive. It returns at once; the handshakes happen later, in
/// the kernel, whether or not the program is in accept() at the time.
fn listen(socket: &Socket, backlog: usize, say: &Narrator) -> Result<()> {
    let why = "let the kernel complete connections and queue them for accept()";
    let listen = || start_listening(socket, backlog);
    say.call_with(
        socket,
        format!("listen(backlog={backlog})"),
        why,
        listen,
        ok,
    )
}

/// Make the bound `socket` listen with `backlog`, after refusing what listen() itself would
/// take but no server wants.
fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    // A queue with no room makes no sense, and systems disagree on what 0 means
    // (Linux still queues one connection): refuse it, before listen() is called.
    if backlog == 0 {
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            "a backlog of 0 leaves no room in the accept queue; use 1 or more",
        ));
    }
    // listen() on a socket that was never bound binds it first, by itself: to a port the
    // kernel picks, on 0.0.0.0 (Linux calls it autobind). No client knows that port. A
    // socket's own address (getsockname) says port 0 until it is bound.
    let bound = socket
        .local_addr()?
        .as_socket()
        .is_some_and(|a| a.port() != 0);
    if !bound {
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            "the socket is not bound: bind it to an address first",
        ));
    }
    // listen() takes a C int. Larger numbers are cut down by the kernel anyway (to
    // net.core.somaxconn on Linux), so clamp rather than let the number wrap around.
    let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
    socket.listen(backlog)
}

/// The result text of a call that returns nothing: `ok`.
fn ok(_: &()) -> String {
    "ok".to_string()
}
// ANCHOR_END: listen

// ANCHOR: early_client
/// socket(): a client's socket.
fn client_socket(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    say.call(call, "make the client's socket", || new_socket(addr))
}

/// A client connects and sends its line (its name and a newline), with nobody calling
/// accept() on the other side.
/// Returns `None` if its connection did not complete in time: the queue was full.
fn early_client(
    addr: SocketAddr,
    line: &[u8],
    timeout: Duration,
    say: &Narrator,
) -> Result<Option<Socket>> {
    let socket = client_socket(addr, say)?;
    let why = "connect; nobody is in accept() yet";
    // With a timeout, so that a full queue cannot stall the demo (see the chapter).
    let connect = || socket.connect_timeout(&SockAddr::from(addr), timeout);
    match say.call_with(&socket, format!("connect({addr})"), why, connect, ok) {
        Ok(()) => {}
        Err(e) if e.kind().is_some_and(is_timeout) => {
            say.note("no answer: the accept queue is full, and the kernel ignored our SYN");
            return Ok(None);
        }
        Err(e) => return Err(e),
    }
    send_all(&socket, line, say)?;
    Ok(Some(socket))
}

/// A timeout, as the systems report it (SO_RCVTIMEO: WouldBlock on Unix, TimedOut on Windows).
fn is_timeout(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::TimedOut | ErrorKind::WouldBlock)
}
// ANCHOR_END: early_client

// ANCHOR: serve
/// accept() the oldest connection from the queue, serve it, close it. `Ok(true)`: served;
/// `Ok(false)`: the client misbehaved, and was reported and closed; `Err`: the server itself
/// cannot go on.
fn serve_next(listener: &Socket, number: usize, limits: &Limits, say: &Narrator) -> Result<bool> {
    let (conn, peer) = accept_next(listener, say)?;
    // One fewer waiting.
    say.kernel(listener);
    let served = match serve(&conn, number, limits, say) {
        Ok(()) => true,
        // NOT `?`: that would end the server, and refuse every later client, because of
        // one client. The error is already printed; say whose it was and go on.
        Err(e) => {
            say.note(format!("{peer}: {}; closing its connection", e.reason));
            false
        }
    };
    close(conn, "close(connection)", "done with this client", say);
    Ok(served)
}

/// One client's whole exchange: its name in, the greeting out.
fn serve(conn: &Socket, number: usize, limits: &Limits, say: &Narrator) -> Result<()> {
    let line = read_line(conn, limits.read, say)?;
    let name = check_name(&line, say)?;
    let answer = format!("hello {name}, you are number {number}\n");
    send_answer(conn, answer.as_bytes(), limits.write, say)
}

/// A name is 1 to 32 bytes of UTF-8 text, without control characters.
fn check_name(line: &[u8], say: &Narrator) -> Result<String> {
    let text = std::str::from_utf8(line)
        .map_err(|_| say.protocol_error("the name is not UTF-8 text"))?
        .trim_end_matches(['\n', '\r']);
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err(say.protocol_error("a name must be 1 to 32 printable characters"));
    }
    Ok(text.to_string())
}
// ANCHOR_END: serve

// ANCHOR: rude
/// How long a client may take. A client we wait for holds every client queued behind it
/// (this server serves one at a time), so each wait has an end.
struct Limits {
    /// The whole name must arrive within this time, however it is cut into pieces.
    read: Duration,
    /// The whole answer must be handed to the kernel within this time.
    write: Duration,
}

/// accept(), riding out the errors that are not the server's own end (accept(2)):
/// a connection reset while it waited in the queue (`ECONNABORTED`) or a signal (`EINTR`):
/// take the next one; no descriptor or memory left (`EMFILE`, `ENFILE`, `ENOBUFS`,
/// `ENOMEM`) or a network error: wait a little, longer each time, and try again. Only a
/// socket that does not listen (`EINVAL`, a bug) stops the server.
fn accept_next(listener: &Socket, say: &Narrator) -> Result<(Socket, String)> {
    let mut pause = Duration::from_millis(10);
    loop {
        let why = "take the oldest connection from the accept queue";
        match say.call_then(
            "accept()",
            why,
            || listener.accept(),
            |(_, peer)| format!("ok, a connection from {}", shown(peer)),
        ) {
            Ok((conn, peer)) => {
                // Its bytes arrived before accept(): they wait in the new socket's receive queue.
                say.kernel(&conn);
                return Ok((conn, shown(&peer)));
            }
            Err(e) if e.kind() == Some(ErrorKind::InvalidInput) => return Err(e),
            Err(e)
                if matches!(
                    e.kind(),
                    Some(ErrorKind::ConnectionAborted | ErrorKind::Interrupted)
                ) => {}
            Err(_) => {
                say.note(format!("trying again in {} ms", pause.as_millis()));
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// A peer's address as text (socket2's address can be of any kind; ours are IP addresses).
fn shown(peer: &SockAddr) -> String {
    peer.as_socket().map_or("?".to_string(), |a| a.to_string())
}

/// The time left until `deadline`, or `None` once it has passed. (A timeout of zero would
/// mean "no timeout" to the kernel; std refuses it.)
fn time_left(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Receive one line (the client's name; the server's answer): bytes up to a newline, never
/// more than MAX_LINE of them, and all of them before a deadline. A receive timeout alone (SO_RCVTIMEO) limits ONE recv(): a
/// client that sends a byte now and then would never be timed out. So before each recv() the
/// timeout is set to the time that is LEFT for the whole line.
fn read_line(conn: &Socket, limit: Duration, say: &Narrator) -> Result<Vec<u8>> {
    let deadline = Instant::now() + limit;
    // `Read::read` on a socket is the recv() system call; the quiet adapter records the bytes.
    let mut conn = Narrated::quiet(conn, say.clone());
    let mut line = Vec::new();
    loop {
        let room = MAX_LINE - line.len();
        // Before each recv(), its timeout becomes what is LEFT of the deadline.
        let recv = || {
            let mut buf = vec![0u8; room];
            let n = loop {
                let left = time_left(deadline).ok_or(ErrorKind::TimedOut)?;
                conn.get_ref().set_read_timeout(Some(left))?;
                match conn.read(&mut buf) {
                    // A signal interrupted the wait (a recv with a timeout is not restarted
                    // after one, signal(7)): nothing is wrong, wait again for the time left.
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    result => break result?,
                }
            };
            buf.truncate(n);
            Ok(buf)
        };
        let why = "wait for bytes from the peer";
        let bytes = match say.call_then(format!("recv({room})"), why, recv, |b| received(b)) {
            Ok(bytes) => bytes,
            Err(e) if e.kind().is_some_and(is_timeout) => {
                return Err(e.with_hint(format!("no whole line within {} ms", limit.as_millis())))
            }
            Err(e) => return Err(e),
        };
        if bytes.is_empty() {
            return Err(say.protocol_error("the peer closed before sending a whole line"));
        }
        line.extend_from_slice(&bytes);
        // A newline ends the line (anything after it is ignored: one line each way).
        if let Some(end) = line.iter().position(|&b| b == b'\n') {
            line.truncate(end + 1);
            return Ok(line);
        }
        // The limit is checked as the bytes come, not after: we never hold more than MAX_LINE.
        if line.len() >= MAX_LINE {
            return Err(say.protocol_error(format!("no newline in the first {MAX_LINE} bytes")));
        }
    }
}

/// How a recv()'s result reads: `6 bytes: b"alice\n"`, or the end of the stream.
fn received(bytes: &[u8]) -> String {
    match bytes.len() {
        0 => "0 bytes: end of stream".to_string(),
        n => format!("{n} bytes: {}", show_bytes(bytes)),
    }
}

/// Send the whole answer, within a time limit: a client that never reads fills its receive
/// buffer and then ours, and a send() without a limit would wait for it for ever.
fn send_answer(conn: &Socket, answer: &[u8], limit: Duration, say: &Narrator) -> Result<()> {
    let deadline = Instant::now() + limit;
    // `Write::write` on a socket is the send() system call; the quiet adapter records the bytes.
    let mut conn = Narrated::quiet(conn, say.clone());
    let mut rest = answer;
    while !rest.is_empty() {
        // Before each send(), its timeout becomes what is LEFT of the deadline.
        let send = || loop {
            let left = time_left(deadline).ok_or(ErrorKind::TimedOut)?;
            conn.get_ref().set_write_timeout(Some(left))?;
            match conn.write(rest) {
                // Interrupted by a signal before sending anything: send again.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                result => break result,
            }
        };
        let call = format!("send({})", show_bytes(rest));
        match say.call(call, "hand bytes to the kernel", send) {
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind().is_some_and(is_timeout) => {
                return Err(e.with_hint("the client does not read: answer not sent in time"))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: rude

/// The client's end: read the answer (which a server sends at once), close.
fn read_answer(conn: Socket, say: &Narrator) -> Result<String> {
    let answer = read_line(&conn, CLIENT_TIMEOUT, say)?;
    close(conn, "close(client socket)", "done", say);
    Ok(String::from_utf8_lossy(&answer).trim_end().to_string())
}

// ANCHOR: late_ack
/// Two clients whose SYNs both find the one free place in the accept queue, and whose last
/// ACKs arrive only after both SYNs are in. Each turns TCP_QUICKACK off before connect():
/// then its kernel holds back that ACK (up to 200 ms, hoping to send it with data), and
/// connect() returns as soon as the SYN-ACK is in. The first ACK to arrive takes the free
/// place. The second finds the queue full: the server's kernel drops it and keeps the
/// connection half-open (SYN_RECV), although the client's connect() has returned, its socket
/// is ESTABLISHED, and its bytes are on their way. Both sides retransmit until there is room.
fn acks_into_a_full_queue(
    addr: SocketAddr,
    listener: &Socket,
    opts: &Options,
) -> Result<Vec<(Socket, Narrator)>> {
    let server = opts.narrator("server");
    let overflows_before = listen_overflows();
    let mut connected = Vec::new();
    for name in LATE_NAMES {
        let say = opts.narrator(name);
        let socket = client_socket(addr, &say)?;
        let why = "hold back our last ACK of the handshake";
        say.call("setsockopt(TCP_QUICKACK, 0)", why, || quickack_off(&socket))?;
        let why = "one place is free in the queue";
        let connect = || socket.connect_timeout(&SockAddr::from(addr), DEMO_CONNECT_TIMEOUT);
        match say.call_with(&socket, format!("connect({addr})"), why, connect, ok) {
            Ok(()) => {}
            // (In step mode the first ACK goes out while you read: the queue is full again.)
            Err(e) if e.kind().is_some_and(is_timeout) => continue,
            Err(e) => return Err(e),
        }
        connected.push((socket, say, name));
    }
    // Each client sends its name; the held-back ACK goes out with the bytes.
    for (socket, say, name) in &connected {
        send_all(socket, format!("{name}\n").as_bytes(), say)?;
    }
    // What each client's kernel holds, and what the server's kernel holds for the same
    // connection: ESTABLISHED (in the accept queue), or still SYN_RECV.
    for (socket, say, _) in &connected {
        say.kernel(socket);
        let client_addr = socket.local_addr().ok().and_then(|a| a.as_socket());
        server.kernel_at(addr, client_addr);
    }
    server.kernel(listener);
    if listen_overflows() > overflows_before {
        server.note("the kernel counted the dropped ACK: ListenOverflows went up (nstat -az TcpExtListenOverflows)");
    }
    Ok(connected
        .into_iter()
        .map(|(socket, say, _)| (socket, say))
        .collect())
}

/// If this client's bytes are still unacknowledged (its connection is still half-open on the
/// server's side), wait until a retransmission finds room in the accept queue (5 s at most),
/// and show both sides again. (Waiting here also keeps the demo's output the same from run
/// to run: the kernel retransmits on its own clock.)
fn retransmission_gets_in(
    conn: &Socket,
    server_addr: SocketAddr,
    listener: &Socket,
    say: &Narrator,
    server: &Narrator,
) {
    let Some(local) = conn.local_addr().ok().and_then(|a| a.as_socket()) else {
        return;
    };
    let unacknowledged = || match common::kernel::lookup(local, Some(server_addr)) {
        common::kernel::View::Found(entry) => entry.tx_queue > 0,
        _ => false,
    };
    if !unacknowledged() {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while unacknowledged() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    say.note("a retransmission found room: our bytes are acknowledged at last");
    say.kernel(conn);
    server.kernel_at(server_addr, Some(local));
    server.kernel(listener);
}

/// TCP_QUICKACK off (Linux): the socket's kernel may delay its ACKs, the handshake's last one
/// included.
#[cfg(target_os = "linux")]
fn quickack_off(socket: &Socket) -> std::io::Result<()> {
    socket.set_tcp_quickack(false)
}

#[cfg(not(target_os = "linux"))]
fn quickack_off(_socket: &Socket) -> std::io::Result<()> {
    Err(std::io::Error::new(
        ErrorKind::Unsupported,
        "TCP_QUICKACK is Linux's; this part of the demo runs on Linux only",
    ))
}

/// The kernel's count of connections dropped because an accept queue was full: the
/// `ListenOverflows` field of the `TcpExt` lines in /proc/net/netstat (what `nstat` shows as
/// TcpExtListenOverflows). It counts for the whole machine (the network namespace), so only
/// "went up" means something here. 0 where there is no such file.
fn listen_overflows() -> u64 {
    let text = std::fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(name, _)| *name == "ListenOverflows")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
}
// ANCHOR_END: late_ack

// ANCHOR: measure
/// How many connections does the queue of the socket listening at `addr` hold? fill_queue
/// (your exercise) asks the kernel the way a client can: connect, never accept, count.
/// `backlog`: the one it listened with, if we know it. Returns what fill_queue found; its
/// connections still wait in the queue (dropping them closes them).
fn measure(
    listener: &impl Endpoints,
    addr: SocketAddr,
    backlog: Option<usize>,
    opts: &Options,
) -> Result<Filled> {
    let (server, probe) = (opts.narrator("server"), opts.narrator("probe"));
    let call = format!("connect({addr}), again and again");
    let why = "fill the accept queue; nobody accepts";
    let fill = || fill_queue(addr, DEMO_CONNECT_TIMEOUT, PROBE_CEILING);
    let filled = probe.call_then(call, why, fill, |filled| {
        let next = match filled.next {
            Next::NoAnswer => "no answer in time",
            Next::Refused => "refused",
            Next::NotTried => "not tried (the ceiling)",
        };
        format!("{} connected, the next one: {next}", filled.waiting.len())
    })?;
    // The kernel's own count: as many connections as fill_queue kept.
    server.kernel(listener);
    let held = filled.waiting.len();
    probe.note(match (filled.next, backlog) {
        (Next::NotTried, _) => format!("the probe stopped at its ceiling, {held}: the queue holds more"),
        _ if !cfg!(target_os = "linux") => format!(
            "the queue held {held} connections (systems count the backlog differently: see the chapter)"
        ),
        (_, Some(backlog)) => format!(
            "the queue held {held} connections: listen(backlog={backlog}), and Linux queues backlog + 1"
        ),
        (_, None) => format!(
            "the queue held {held} connections: it listened with a backlog of {} (Linux queues backlog + 1)",
            held.saturating_sub(1)
        ),
    });
    Ok(filled)
}
// ANCHOR_END: measure

// ANCHOR: std_backlog
/// std's `TcpListener::bind` is socket() + bind() + listen() with a backlog std chooses. Which
/// one? Measure its queue.
fn std_backlog(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let call = format!("TcpListener::bind({})", opts.addr);
    let why = "socket(), bind() and listen(), with a backlog we cannot choose";
    let listener = server.call(call, why, || std::net::TcpListener::bind(opts.addr))?;
    server.kernel(&listener);
    let addr = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;
    opts.ready(addr);

    // How many connections does its queue hold? (std listened with that number - 1, on Linux.)
    measure(&listener, addr, None, opts)?;
    Ok(())
}
// ANCHOR_END: std_backlog

// ANCHOR: demo
/// Both sides in one process: clients queue up first, the server accepts them afterwards.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--std") {
        return std_backlog(opts);
    }
    let (backlog, clients) = settings(opts)?;
    let limits = limits(opts)?;
    let server = opts.narrator("server");

    let (listener, addr) = bound_socket(opts.addr, &server)?;
    connect_too_early(addr, &opts.narrator("early"))?;

    listen(&listener, backlog, &server)?;
    opts.ready(addr);

    // Every client connects and sends its name before the server accepts anybody. (With
    // --rude, the second is trudy, whose "name" is not text.)
    let mut queued = Vec::new();
    for (i, name) in NAMES[..clients].iter().enumerate() {
        let (name, line) = match opts.has("--rude") && i == 1 {
            true => ("trudy", b"\xfftrudy\n".to_vec()),
            false => (*name, format!("{name}\n").into_bytes()),
        };
        let say = opts.narrator(name);
        if let Some(conn) = early_client(addr, &line, DEMO_CONNECT_TIMEOUT, &say)? {
            queued.push((conn, say));
        }
        // The kernel's view of the listening socket: how many connections wait for accept().
        server.kernel(&listener);
    }

    // Now the server accepts them, oldest first, and each client reads its answer.
    let mut left_out = queued.len() < clients;
    let mut waiting = VecDeque::from(queued);
    let mut served = 0;
    while let Some((conn, say)) = waiting.pop_front() {
        if serve_next(&listener, served + 1, &limits, &server)? {
            served += 1;
            read_answer(conn, &say)?;
        } else {
            // The server closed without a word: the client reads the end of stream.
            let _ = read_line(&conn, CLIENT_TIMEOUT, &say);
        }
        // A client whose last ACK was dropped (below) gets in once there is room again.
        for (conn, say) in &waiting {
            retransmission_gets_in(conn, addr, &listener, say, &server);
        }
        // The queue was full and has room for one again: two clients try for it (Linux).
        if left_out && cfg!(target_os = "linux") {
            left_out = false;
            waiting.extend(acks_into_a_full_queue(addr, &listener, opts)?);
        }
    }

    // The queue is empty again. How many connections does it hold? Measure it.
    let _waiting = measure(&listener, addr, Some(backlog), opts)?;
    // Closing the listener resets the connections still in its queue.
    close(listener, "close(listener)", "stop listening", &server);
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: server
/// Listen, then serve --clients clients one after the other. A client that misbehaves is
/// that client's problem, not the server's: report it, close its connection, take the next.
fn server(opts: &Options) -> Result<()> {
    let (backlog, clients) = settings(opts)?;
    let limits = limits(opts)?;
    let say = opts.narrator("server");
    let (listener, addr) = bound_socket(opts.addr, &say)?;
    listen(&listener, backlog, &say)?;
    opts.ready(addr);
    let mut served = 0;
    while clients == 0 || served < clients {
        // Before each accept: how many connections are already waiting?
        say.kernel(&listener);
        if serve_next(&listener, served + 1, &limits, &say)? {
            served += 1;
        }
    }
    close(listener, "close(listener)", "stop listening", &say);
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Connect, send the name, print the answer.
fn client(opts: &Options) -> Result<()> {
    let name: String = opts.value("--name", "alice".to_string())?;
    let say = opts.narrator("client");
    let line = format!("{name}\n");
    let conn = early_client(opts.addr, line.as_bytes(), CLIENT_CONNECT_TIMEOUT, &say)?.ok_or_else(
        || {
            say.protocol_error(
            "connect timed out: the server's accept queue is full (or the server is not answering)",
        )
        },
    )?;
    let answer = read_answer(conn, &say)?;
    println!("answer: {answer}");
    Ok(())
}
// ANCHOR_END: client
