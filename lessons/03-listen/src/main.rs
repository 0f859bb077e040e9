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
//!
//! The exchange, per client: the client sends its name and a newline, `alice\n`; the server
//! answers `hello alice, you are number 1\n` (the order in which it accepted them) and closes.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use common::narrate::family;
use common::talk::{recv_line, send_all};
use common::{Flag, Lesson, LessonError, Narrator, Options, Result};
use socket2::{Domain, SockAddr, Socket, Type};

// The function this lesson is about lives in its own file, so that you can write it yourself:
// src/exercise.rs is yours (`cargo exercise lesson-03-listen` checks it), src/solution.rs is ours.
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(all(feature = "wrong", not(feature = "exercise")), path = "wrong.rs")]
#[cfg_attr(
    not(any(feature = "exercise", feature = "wrong")),
    path = "solution.rs"
)]
mod task;
use task::start_listening;

static LESSON: Lesson = Lesson {
    package: "lesson-03-listen",
    title: "listen(): a queue for connections",
    port: 7003,
    about: "The demo binds without listening (a client is refused), then listens with a backlog of 3,\n\
            lets clients connect and send a line before the server accepts anyone (watch the accept\n\
            queue grow), then accepts them one by one.\n\n\
            The exchange, per client: the client sends its name, b\"alice\\n\" (1 to 32 bytes of text);\n\
            the server answers b\"hello alice, you are number 1\\n\" and closes. The server serves\n\
            --clients connections, then exits. Try it with: printf 'alice\\n' | nc 127.0.0.1 7003\n\
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
            help: "demo: how many clients connect before the first accept; server: how many to serve (default 3, at most 8)",
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

/// How long a demo client waits for its connection. On loopback a handshake takes
/// microseconds; a client still waiting after this is stuck behind a full accept queue.
const DEMO_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// The `client` command waits longer, but not forever (Linux would retry for two minutes).
const CLIENT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest name the server accepts, newline included.
const MAX_LINE: usize = 33;

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The --backlog and --clients flags, checked.
fn settings(opts: &Options) -> Result<(usize, usize)> {
    let backlog = opts.value("--backlog", 3usize)?;
    let clients = opts.value("--clients", 3usize)?;
    if clients == 0 || clients > NAMES.len() {
        let reason = format!("--clients {clients}: use 1 to {}", NAMES.len());
        return Err(LessonError::protocol("command line", reason));
    }
    Ok((backlog, clients))
}

// ANCHOR: bind
/// socket() and bind(): an address, but no listening yet.
fn bound_socket(addr: SocketAddr, say: &Narrator) -> Result<(Socket, SocketAddr)> {
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the socket that will listen",
    );
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(|e| say.fail(e))?;
    say.done("ok");

    say.next(
        format!("bind({addr})"),
        "give the socket its address (lesson 02)",
    );
    socket
        .bind(&SockAddr::from(addr))
        .map_err(|e| say.fail(e))?;
    let bound = socket
        .local_addr()
        .map_err(|e| say.fail(e))?
        .as_socket()
        .ok_or_else(|| say.protocol_error("not an IP address"))?;
    // Bound but not listening: the kernel's TCP table does not list it yet.
    say.done_with(&socket, format!("ok, bound to {bound}"));
    Ok((socket, bound))
}
// ANCHOR_END: bind

// ANCHOR: not_listening
/// A client tries to connect before listen(): the kernel has nobody to give the connection
/// to, so it answers the client's SYN with a reset, and connect() fails at once.
fn connect_too_early(addr: SocketAddr, say: &Narrator) -> Result<()> {
    let socket = client_socket(addr, say)?;
    say.next(
        format!("connect({addr})"),
        "connect to a socket that is bound but not listening",
    );
    match socket.connect_timeout(&SockAddr::from(addr), DEMO_CONNECT_TIMEOUT) {
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            say.fail(e);
            say.note("as expected: a bound socket that does not listen refuses connections");
            Ok(())
        }
        Err(e) => Err(say.fail(e)),
        Ok(()) => Err(say.protocol_error("connected to a socket that does not listen")),
    }
}
// ANCHOR_END: not_listening

// ANCHOR: listen
/// listen(): the socket becomes passive. It returns at once; the handshakes happen later, in
/// the kernel, whether or not the program is in accept() at the time.
fn listen(socket: &Socket, backlog: usize, say: &Narrator) -> Result<()> {
    say.next(
        format!("listen(backlog={backlog})"),
        "let the kernel complete connections and queue them for accept()",
    );
    // start_listening (your exercise) checks the backlog and calls listen().
    start_listening(socket, backlog).map_err(|e| say.fail(e))?;
    say.done_with(socket, "ok");
    Ok(())
}
// ANCHOR_END: listen

// ANCHOR: early_client
/// socket(): a client's socket.
fn client_socket(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the client's socket",
    );
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(socket)
}

/// A client connects and sends its name, with nobody calling accept() on the other side.
/// Returns `None` if its connection did not complete in time: the queue was full.
fn early_client(
    addr: SocketAddr,
    name: &str,
    timeout: Duration,
    say: &Narrator,
) -> Result<Option<Socket>> {
    let socket = client_socket(addr, say)?;
    say.next(
        format!("connect({addr})"),
        "connect; nobody is in accept() yet",
    );
    // With a timeout, so that a full queue cannot stall the demo (see the chapter).
    match socket.connect_timeout(&SockAddr::from(addr), timeout) {
        Ok(()) => say.done_with(&socket, "ok"),
        Err(e) if is_timeout(&e) => {
            say.fail(e);
            say.note("no answer: the accept queue is full, and the kernel ignored our SYN");
            return Ok(None);
        }
        Err(e) => return Err(say.fail(e)),
    }
    send_all(&socket, format!("{name}\n").as_bytes(), say)?;
    Ok(Some(socket))
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}
// ANCHOR_END: early_client

// ANCHOR: serve
/// accept() one connection from the queue, read the client's name, answer, close.
fn serve_next(listener: &Socket, number: usize, say: &Narrator) -> Result<()> {
    say.next(
        "accept()",
        "take the oldest connection from the accept queue",
    );
    let (conn, peer) = listener.accept().map_err(|e| say.fail(e))?;
    let peer = peer.as_socket().map_or("?".to_string(), |a| a.to_string());
    // Its bytes arrived before accept(): they wait in the new socket's receive queue.
    say.done_with(&conn, format!("ok, a connection from {peer}"));
    // One fewer waiting.
    say.kernel(listener);

    let line = recv_line(&conn, MAX_LINE, say)?;
    let name = check_name(&line, say)?;
    send_all(
        &conn,
        format!("hello {name}, you are number {number}\n").as_bytes(),
        say,
    )?;
    say.next("close(connection)", "done with this client");
    drop(conn);
    say.done("ok");
    Ok(())
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

/// The client's end: read the answer, close.
fn read_answer(conn: Socket, say: &Narrator) -> Result<String> {
    let answer = recv_line(&conn, MAX_LINE, say)?;
    say.next("close(client socket)", "done");
    drop(conn);
    say.done("ok");
    Ok(String::from_utf8_lossy(&answer).trim_end().to_string())
}

// ANCHOR: demo
/// Both sides in one process: clients queue up first, the server accepts them afterwards.
fn demo(opts: &Options) -> Result<()> {
    let (backlog, clients) = settings(opts)?;
    let server = opts.narrator("server");

    let (listener, addr) = bound_socket(opts.addr, &server)?;
    connect_too_early(addr, &opts.narrator("early"))?;

    listen(&listener, backlog, &server)?;
    opts.ready(addr);

    // Every client connects and sends its name before the server accepts anybody.
    let mut queued = Vec::new();
    for name in &NAMES[..clients] {
        let say = opts.narrator(name);
        if let Some(conn) = early_client(addr, name, DEMO_CONNECT_TIMEOUT, &say)? {
            queued.push((conn, say));
        }
        // The kernel's view of the listening socket: how many connections wait for accept().
        server.kernel(&listener);
    }

    // Now the server accepts them, oldest first, and each client reads its answer.
    for (number, (conn, say)) in queued.into_iter().enumerate() {
        serve_next(&listener, number + 1, &server)?;
        read_answer(conn, &say)?;
    }

    server.next("close(listener)", "stop listening");
    drop(listener);
    server.done("ok");
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: server
/// Listen, then serve --clients connections one after the other.
fn server(opts: &Options) -> Result<()> {
    let (backlog, clients) = settings(opts)?;
    let say = opts.narrator("server");
    let (listener, addr) = bound_socket(opts.addr, &say)?;
    listen(&listener, backlog, &say)?;
    opts.ready(addr);
    for number in 1..=clients {
        // Before each accept: how many connections are already waiting?
        say.kernel(&listener);
        serve_next(&listener, number, &say)?;
    }
    say.next("close(listener)", "stop listening");
    drop(listener);
    say.done("ok");
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Connect, send the name, print the answer.
fn client(opts: &Options) -> Result<()> {
    let name: String = opts.value("--name", "alice".to_string())?;
    let say = opts.narrator("client");
    let conn = early_client(opts.addr, &name, CLIENT_CONNECT_TIMEOUT, &say)?.ok_or_else(|| {
        say.protocol_error(
            "connect timed out: the server's accept queue is full (or the server is not answering)",
        )
    })?;
    let answer = read_answer(conn, &say)?;
    println!("answer: {answer}");
    Ok(())
}
// ANCHOR_END: client
