//! Lesson 04: `accept()`, one new socket per connection.
//!
//! A listening socket never carries a conversation itself. The kernel completes each client's
//! handshake on its own and puts the finished connection in the listener's accept queue;
//! `accept()` takes the first one out and hands back a NEW socket for it, together with the
//! peer's address. The listener stays as it was, listening, so a server calls `accept()` in a
//! loop: one client after another.
//!
//! The exchange: a client sends `hello from NAME\n`, the server answers
//! `you are client N at IP:PORT\n` (the address `accept()` reported) and closes.

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::listener::time_left;
use common::narrate::family;
use common::talk::{close, local_addr};
use common::{show_bytes, Flag, Lesson, Narrated, Narrator, Options, Result};
use lesson_04_accept::{accept_loop, Listener};
use socket2::{Domain, SockAddr, Socket, Type};

static LESSON: Lesson = Lesson {
    package: "lesson-04-accept",
    title: "accept(): one new socket per connection",
    port: 7004,
    about: "The demo connects three clients (alice, bob, carol) before the server accepts any of\n\
            them, then the server accepts and serves them one after another.\n\
            A client sends one line, b\"hello from NAME\\n\"; the server answers\n\
            b\"you are client N at IP:PORT\\n\" with the address accept() reported, and closes.\n\
            The server serves --clients N clients (default 3), then exits. A client that has not\n\
            sent a whole line within --read-timeout MS (however it trickles), leaves mid-line,\n\
            sends a line over 256 bytes, or does not read the answer within --read-timeout MS\n\
            is reported and closed, and the server goes on with the next one. An accept() that\n\
            fails for a passing reason (no descriptor left, a client that gave up) is reported\n\
            and tried again after a pause.\n\
            Try it with: printf 'hello from nc\\n' | nc 127.0.0.1 7004",
    flags: &[
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: how many clients to serve before exiting (default 3)",
        },
        Flag {
            name: "--name",
            value: Some("NAME"),
            help: "client: the name in its greeting (default \"client\")",
        },
        Flag {
            name: "--read-timeout",
            value: Some("MS"),
            help: "deadline for a whole line, and for sending the answer (default 5000; the demos: 500, --trickle: 1500)",
        },
        Flag {
            name: "--bad-clients",
            value: None,
            help: "demo: bob connects and says nothing, carol leaves mid-line",
        },
        Flag {
            name: "--trickle",
            value: None,
            help: "demo: dave sends a byte every 500 ms, twice; the deadline (1500 ms) cuts him off",
        },
    ],
};

/// The longest line the server reads: a client cannot make it buffer without end.
const MAX_LINE: usize = 256;

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: listen_on
/// The server's first calls (chapters 1–3): socket, bind, listen.
fn listen_on(opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let listener = say.call(call, "make the socket that will listen", || {
        Socket::new(Domain::for_address(addr), Type::STREAM, None)
    })?;
    // bind(), then getsockname() to learn the port the kernel chose (for port 0).
    let bind = || {
        listener.bind(&SockAddr::from(addr))?;
        ip_address(listener.local_addr()?)
    };
    let shown = |bound: &SocketAddr| format!("ok, bound to {bound}");
    let bound = say.call_then(
        format!("bind({addr})"),
        "give the socket its address",
        bind,
        shown,
    )?;
    let why = "let the kernel complete handshakes and queue the connections";
    say.call("listen(backlog=128)", why, || listener.listen(128))?;
    say.kernel(&listener);
    opts.ready(bound);
    Ok(listener)
}

/// socket2 gives a `SockAddr` (any kind of address); a TCP socket's is an IP address.
fn ip_address(addr: SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::other("not an IP address"))
}
// ANCHOR_END: listen_on

// ANCHOR: serve
/// Serve one accepted client: read its greeting, tell it who it is, close its socket.
/// The listener goes on listening meanwhile: the next clients wait in its queue.
fn serve_one(
    number: usize,
    conn: Socket,
    peer: SocketAddr,
    listener: &Socket,
    read_timeout: Duration,
    say: &Narrator,
) -> Result<()> {
    // Same local address and port as the listener; what sets this connection apart is its peer.
    let local = local_addr(&conn, say)?;
    say.note(format!(
        "connection {number} is {local} <-> {peer}: the listener's port, its own peer"
    ));
    say.kernel(listener);

    let result = answer(number, &conn, peer, read_timeout, say);
    // Close the connection whatever happened; the listener is not touched.
    close(conn, &format!("connection {number}"), say);
    if let Err(err) = &result {
        say.note(format!(
            "client {number} failed ({err}); the server goes on"
        ));
    }
    result
}

/// Read one line from the client, and answer it.
fn answer(
    number: usize,
    conn: &Socket,
    peer: SocketAddr,
    limit: Duration,
    say: &Narrator,
) -> Result<()> {
    recv_line(conn, limit, say)?;

    // A client that never reads would, once the buffers are full, block send() for ever.
    // Our answer fits in one send(), so a time limit on each send() limits the whole answer.
    let call = format!("setsockopt(SO_SNDTIMEO, {} ms)", limit.as_millis());
    let why = "never wait for ever for a client that does not read";
    say.call(call, why, || conn.set_write_timeout(Some(limit)))?;
    send_all(
        conn,
        format!("you are client {number} at {peer}\n").as_bytes(),
        say,
    )
}
// ANCHOR_END: serve

// ANCHOR: talk
/// Receive until a whole line has arrived (at most MAX_LINE bytes), within `limit` for the
/// whole line. One `recv` may return part of a line: TCP carries bytes, not messages (chapter 7).
fn recv_line(conn: &Socket, limit: Duration, say: &Narrator) -> Result<Vec<u8>> {
    // A deadline for the WHOLE line. A timeout on each recv() is not one: a client that sends
    // one byte every 400 ms never lets a 500 ms recv() timeout fire, and keeps us for as long
    // as it likes. So before each recv(), its timeout becomes whatever is left of the deadline.
    let deadline = Instant::now() + limit;
    // `Narrated::quiet` records each recv()'s bytes for `--trace` (the tests read them).
    let mut socket = Narrated::quiet(conn, say.clone());
    let mut line = Vec::new();
    let mut buf = [0u8; MAX_LINE];
    while !line.ends_with(b"\n") {
        // The limit is checked before every recv(), so the buffer never grows past it.
        if line.len() >= MAX_LINE {
            return Err(say.protocol_error(format!("no newline in the first {MAX_LINE} bytes")));
        }
        let call = format!(
            "setsockopt(SO_RCVTIMEO, what is left of {} ms)",
            limit.as_millis()
        );
        let why = "the whole line has a deadline, not each recv()";
        say.call(call, why, || set_time_left(conn, deadline))
            .map_err(|e| timed_out(e, limit))?;

        let room = &mut buf[..MAX_LINE - line.len()];
        let why = "wait for bytes from the peer";
        let got = say
            .call_then(
                format!("recv({MAX_LINE})"),
                why,
                || recv_some(&mut socket, room),
                received,
            )
            .map_err(|e| timed_out(e, limit))?;
        match got {
            // A recv() with a timeout is not restarted after a stop and continue (Ctrl-Z, then
            // fg): it fails with EINTR (signal(7)). That is no news from the peer: ask again.
            None => continue,
            Some(bytes) if bytes.is_empty() => {
                return Err(say.protocol_error("the peer closed before sending a whole line"))
            }
            Some(bytes) => line.extend_from_slice(&bytes),
        }
    }
    Ok(line)
}

/// Set SO_RCVTIMEO to what is left of `deadline`; nothing left is a timeout. (A zero timeout
/// would mean "wait for ever" to the kernel, socket(7): std refuses it.)
fn set_time_left(conn: &Socket, deadline: Instant) -> io::Result<()> {
    match time_left(deadline) {
        Some(left) => conn.set_read_timeout(Some(left)),
        None => Err(io::Error::new(
            ErrorKind::TimedOut,
            "nothing left of the deadline",
        )),
    }
}

/// One recv() (`Read::read` on a socket): the bytes it brought (none at the end of the
/// stream), or `None` when a signal interrupted it before anything came.
fn recv_some(socket: &mut impl Read, buf: &mut [u8]) -> io::Result<Option<Vec<u8>>> {
    match socket.read(buf) {
        Ok(n) => Ok(Some(buf[..n].to_vec())),
        Err(e) if e.kind() == ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(e),
    }
}

/// What a recv() brought, as the narration shows it.
fn received(got: &Option<Vec<u8>>) -> String {
    match got {
        None => "interrupted by a signal (EINTR): ask again".to_string(),
        Some(bytes) if bytes.is_empty() => "0 bytes: end of stream".to_string(),
        Some(bytes) => format!("{} bytes: {}", bytes.len(), show_bytes(bytes)),
    }
}

/// Send all of `bytes`: `send` may take fewer bytes than offered (chapter 6), so loop.
/// (`Narrated::quiet` records each send()'s bytes for `--trace`.)
fn send_all(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let mut rest = bytes;
    while !rest.is_empty() {
        let call = format!("send({})", show_bytes(rest));
        let n = say.call(call, "hand bytes to the kernel", || socket.write(rest))?;
        rest = &rest[n..];
    }
    Ok(())
}

/// A recv() that timed out: say which deadline passed.
fn timed_out(error: common::LessonError, limit: Duration) -> common::LessonError {
    match error.kind() {
        Some(ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            error.with_hint(format!("no whole line within {} ms", limit.as_millis()))
        }
        _ => error,
    }
}
// ANCHOR_END: talk

// ANCHOR: client_side
/// A client's first calls: socket, connect, and its greeting. It does not wait for the server
/// to accept: the connection is complete as soon as connect() returns.
fn connect_and_greet(addr: SocketAddr, name: &str, say: &Narrator) -> Result<Socket> {
    let conn = connect(addr, say)?;
    send_all(&conn, format!("hello from {name}\n").as_bytes(), say)?;
    Ok(conn)
}

fn connect(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let conn = say.call(call, "make the client's socket", || {
        Socket::new(Domain::for_address(addr), Type::STREAM, None)
    })?;
    // connect(), then getsockname() to learn the port the kernel gave the client.
    let connect = || {
        conn.connect(&SockAddr::from(addr))?;
        ip_address(conn.local_addr()?)
    };
    let shown = |from: &SocketAddr| format!("ok, from {from}");
    say.call_then(
        format!("connect({addr})"),
        "open a connection (chapter 5)",
        connect,
        shown,
    )?;
    Ok(conn)
}

/// A client reads the server's answer (within `read_timeout`), then closes.
fn read_answer(conn: Socket, read_timeout: Duration, say: &Narrator) -> Result<String> {
    let result = recv_line(&conn, read_timeout, say);
    close(conn, "client socket", say);
    let line = result?;
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}
// ANCHOR_END: client_side

// ANCHOR: accept_errors
/// The listening socket as the accept loop sees it (`lesson_04_accept::Listener`): each
/// `accept()` is narrated with the number and address of the client it took, and a pause
/// the loop asks for is a real sleep.
struct NarratedListener<'a> {
    socket: &'a Socket,
    say: &'a Narrator,
    accepted: usize,
}

impl<'a> NarratedListener<'a> {
    fn new(socket: &'a Socket, say: &'a Narrator) -> Self {
        NarratedListener {
            socket,
            say,
            accepted: 0,
        }
    }
}

impl Listener for NarratedListener<'_> {
    fn accept(&mut self) -> Result<(Socket, SocketAddr)> {
        let number = self.accepted + 1;
        let socket = self.socket;
        let accept = || {
            let (conn, peer) = socket.accept()?;
            Ok((conn, ip_address(peer)?))
        };
        let shown = |(_, peer): &(Socket, SocketAddr)| {
            format!("ok, client {number} at {peer}, on a new socket")
        };
        let why = "take the next connection from the accept queue";
        let (conn, peer) = self.say.call_then("accept()", why, accept, shown)?;
        self.accepted = number;
        self.say.kernel(&conn);
        Ok((conn, peer))
    }

    fn pause(&mut self, how_long: Duration) {
        self.say.note(format!(
            "the listener is fine: accept() again in {} ms",
            how_long.as_millis()
        ));
        std::thread::sleep(how_long);
    }
}
// ANCHOR_END: accept_errors

/// `--read-timeout MS`, with the given default.
fn read_timeout(opts: &Options, default_ms: u64) -> Result<Duration> {
    Ok(Duration::from_millis(
        opts.value("--read-timeout", default_ms)?,
    ))
}

// ANCHOR: demo
/// Three clients connect (and speak) before the server accepts anyone; then the server
/// accepts and serves them one by one, and each client reads its answer.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--trickle") {
        return trickle_demo(opts);
    }
    let server = opts.narrator("server");
    let timeout = read_timeout(opts, 500)?;
    let listener = listen_on(opts, &server)?;
    let addr = local_addr(&listener, &server)?;
    let bad = opts.has("--bad-clients");

    let alice = opts.narrator("alice");
    let bob = opts.narrator("bob");
    let carol = opts.narrator("carol");
    let to_alice = connect_and_greet(addr, "alice", &alice)?;
    let to_bob = match bad {
        // Bob connects and then says nothing at all.
        true => connect(addr, &bob)?,
        false => connect_and_greet(addr, "bob", &bob)?,
    };
    let to_carol = match bad {
        // Carol sends half a line and goes away.
        true => {
            let conn = connect(addr, &carol)?;
            send_all(&conn, b"hello fr", &carol)?;
            close(conn, "client socket", &carol);
            None
        }
        false => Some(connect_and_greet(addr, "carol", &carol)?),
    };
    // Three finished connections wait in the queue; nobody has called accept() yet.
    server.kernel(&listener);

    let peers = accept_loop(
        &mut NarratedListener::new(&listener, &server),
        3,
        |number, conn, peer| serve_one(number, conn, peer, &listener, timeout, &server),
    )?;
    server.note(accepted(&peers));
    close(listener, "listener", &server);

    for (conn, say) in [
        (Some(to_alice), &alice),
        (Some(to_bob), &bob),
        (to_carol, &carol),
    ] {
        if let Some(conn) = conn {
            match read_answer(conn, timeout, say) {
                Ok(answer) => say.note(format!("the server says: {answer}")),
                Err(_) => say.note("no answer: the server gave up on us"),
            }
        }
    }
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: trickle
/// `--trickle`: dave sends his greeting without its newline, then one byte every 500 ms,
/// twice. Each byte comes well within a recv() timeout of 1500 ms, so a timeout per recv()
/// would wait for him to 2.5 s and beyond; the deadline for the whole line stops him at
/// 1500 ms (500 ms after his last byte, so the cut is the same on a busy machine), and alice,
/// queued behind him, is served as soon as it does.
fn trickle_demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let limit = read_timeout(opts, 1500)?;
    let listener = listen_on(opts, &server)?;
    let addr = local_addr(&listener, &server)?;

    let dave = opts.narrator("dave");
    let alice = opts.narrator("alice");
    let to_dave = connect(addr, &dave)?;
    send_all(&to_dave, b"hello from dave", &dave)?;
    let to_alice = connect_and_greet(addr, "alice", &alice)?;
    dave.note("from now on: one byte, b\"x\", every 500 ms, twice (on a thread of his own)");
    let trickle = std::thread::spawn(move || {
        // Dave waits 500 ms for an answer; when none comes, he sends one more byte, twice.
        // Then he waits for the server to hang up: his recv() returns 0 (end of stream).
        let _ = to_dave.set_read_timeout(Some(Duration::from_millis(500)));
        let mut buf = [0u8; 64];
        for _ in 0..2 {
            match (&to_dave).read(&mut buf) {
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if to_dave.send(b"x").is_err() {
                        break;
                    }
                }
                _ => return,
            }
        }
        // Silent now, still connected: only the server's deadline can end this.
        let _ = to_dave.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = (&to_dave).read(&mut buf);
    });

    let peers = accept_loop(
        &mut NarratedListener::new(&listener, &server),
        2,
        |number, conn, peer| serve_one(number, conn, peer, &listener, limit, &server),
    )?;
    server.note(accepted(&peers));
    close(listener, "listener", &server);
    let answer = read_answer(to_alice, limit, &alice)?;
    alice.note(format!("the server says: {answer}"));
    let _ = trickle.join();
    Ok(())
}
// ANCHOR_END: trickle

/// `accepted 3 clients, from A, B, C`: every peer accept() reported.
fn accepted(peers: &[SocketAddr]) -> String {
    let shown: Vec<String> = peers.iter().map(|p| p.to_string()).collect();
    let noun = if peers.len() == 1 {
        "client"
    } else {
        "clients"
    };
    format!("accepted {} {noun}, from {}", peers.len(), shown.join(", "))
}

// ANCHOR: server
/// Serve `--clients N` clients one after another, then exit.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: usize = opts.value("--clients", 3)?;
    let timeout = read_timeout(opts, 5000)?;
    let listener = listen_on(opts, &say)?;
    let peers = accept_loop(
        &mut NarratedListener::new(&listener, &say),
        clients,
        |number, conn, peer| serve_one(number, conn, peer, &listener, timeout, &say),
    )?;
    say.note(accepted(&peers));
    close(listener, "listener", &say);
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Greet the server, print its answer, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let name: String = opts.value("--name", "client".to_string())?;
    let timeout = read_timeout(opts, 5000)?;
    let conn = connect_and_greet(opts.addr, &name, &say)?;
    let answer = read_answer(conn, timeout, &say)?;
    println!("answer: {answer}");
    Ok(())
}
// ANCHOR_END: client
