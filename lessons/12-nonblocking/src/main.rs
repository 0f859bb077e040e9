//! Lesson 12: non-blocking sockets, and one thread serving many connections.
//!
//! A socket in non-blocking mode never waits: `accept`, `recv` and `send` either do their work
//! at once or fail with `WouldBlock` ("EAGAIN": try again later). That alone is not useful —
//! trying again in a loop burns the CPU — until the kernel can tell us WHEN to try again.
//! That is a readiness API (epoll on Linux, kqueue on macOS, IOCP on Windows); mio gives the
//! three one interface, and tokio is built on mio.
//!
//! This lesson first shows `WouldBlock` on plain sockets, then runs a whole server on one
//! thread: a loop that asks "which sockets are ready?", and serves each one only as far as it
//! can go without waiting. The exchange is line-based: each line a client sends comes back in
//! upper case (`hello\n` -> `HELLO\n`).

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::time::{Duration, Instant};

use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

// The function this lesson is about lives in its own file, so that you can write it yourself:
// src/exercise.rs is yours (`cargo exercise lesson-12-nonblocking` checks it), src/solution.rs
// is ours.
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(all(feature = "wrong", not(feature = "exercise")), path = "wrong.rs")]
#[cfg_attr(
    not(any(feature = "exercise", feature = "wrong")),
    path = "solution.rs"
)]
mod task;
use task::{read_ready, Ended};

static LESSON: Lesson = Lesson {
    package: "lesson-12-nonblocking",
    title: "non-blocking sockets: WouldBlock, and one thread serving many clients with mio",
    port: 7012,
    about: "Every line a client sends comes back in upper case: b\"hello\\n\" -> b\"HELLO\\n\"\n\
            (a trailing \\r is dropped, so telnet works too). A line longer than 1024 bytes gets\n\
            b\"ERROR line too long\\n\" and the connection is closed. The server runs on ONE\n\
            thread however many clients connect; a client that says nothing, or stops in the\n\
            middle of a line, holds up nobody.\n\n\
            The demo first shows accept() and recv() returning WouldBlock, then alice and bob:\n\
            alice sends half a line, bob a whole one, and bob is answered first.\n\n\
            Try it with several terminals, each running: nc 127.0.0.1 7012",
    flags: &[Flag {
        name: "--clients",
        value: Some("N"),
        help: "server: stop after N connections have come and gone (default: serve forever)",
    }],
};

fn main() -> std::process::ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The longest line the server accepts.
pub const MAX_LINE: usize = 1024;
/// While this much is waiting to be sent to a client that does not read, stop reading from
/// it: its answers would pile up in our memory.
const OUT_LIMIT: usize = 64 * 1024;
/// The listener's token: how the loop tells its events from the connections'.
const LISTENER: Token = Token(0);

// ANCHOR: would_block
/// Part one: what "non-blocking" means, on plain sockets, with no loop yet.
fn show_would_block(listener: &StdListener, server: &Narrator, client: &Narrator) -> Result<()> {
    server.next(
        "set_nonblocking(true)",
        "O_NONBLOCK: from now on, a call that would wait fails instead",
    );
    listener.set_nonblocking(true).map_err(|e| server.fail(e))?;
    server.done("ok");

    server.next("accept()", "is a connection waiting? (none is)");
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {
            server.done("WouldBlock at once: a blocking accept() would have waited here")
        }
        Err(e) => return Err(server.fail(e)),
        Ok(_) => return Err(server.protocol_error("a connection nobody made")),
    }

    let addr = listener.local_addr().map_err(|e| server.fail(e))?;
    client.next(format!("connect({addr})"), "a plain, blocking client");
    let to_server = StdStream::connect(addr).map_err(|e| client.fail(e))?;
    client.done("ok");

    server.next("accept()", "now a connection is waiting");
    let (conn, peer) = until_ready(|| listener.accept()).map_err(|e| server.fail(e))?;
    server.done(format!("ok, a connection from {peer}"));
    // Whether an accepted socket inherits the mode differs between systems: set it.
    server.next(
        "set_nonblocking(true)",
        "the connection must not wait either",
    );
    conn.set_nonblocking(true).map_err(|e| server.fail(e))?;
    server.done("ok");

    server.next("recv(4096)", "are there bytes? (the client has sent none)");
    let mut buf = [0u8; 4096];
    match (&conn).read(&mut buf) {
        Err(e) if e.kind() == ErrorKind::WouldBlock => server
            .done("WouldBlock at once: a blocking recv() would have waited here for the client"),
        Err(e) => return Err(server.fail(e)),
        Ok(n) => return Err(server.protocol_error(format!("{n} bytes nobody sent"))),
    }
    server.note("WouldBlock is not a failure: it means \"nothing yet, ask again later\"");
    drop((conn, to_server));
    Ok(())
}

/// Part one only: the handshake may still be finishing inside the kernel when connect()
/// returns; wait a moment for it without narrating each retry. (Part two asks poll() instead.)
fn until_ready<T>(mut call: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match call() {
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1))
            }
            other => return other,
        }
    }
}
// ANCHOR_END: would_block

// ANCHOR: conn
/// One connection, as the loop keeps it between readiness events.
struct Conn {
    stream: TcpStream,
    say: Narrator,
    /// Bytes after the last newline: the start of a line that is still on its way.
    pending: Vec<u8>,
    /// Answers the kernel has not taken yet (send() took less than offered, or WouldBlock).
    outgoing: Vec<u8>,
    /// Are we registered for WRITABLE too (because `outgoing` is not empty)?
    wants_write: bool,
    /// The client has closed its side (or broke the rules): close once `outgoing` is sent.
    finished: bool,
}

/// What the loop does with a connection after serving it.
enum After {
    Keep,
    Close,
}

/// A line's answer: the line in upper case, with exactly one newline.
fn answer(line: &[u8]) -> Vec<u8> {
    let text = line.strip_suffix(b"\n").unwrap_or(line);
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let mut out = text.to_ascii_uppercase();
    out.push(b'\n');
    out
}

impl Conn {
    /// Serve a ready connection as far as it goes without waiting: send what is waiting,
    /// read what has come, answer every whole line, send again.
    fn on_ready(&mut self, poll: &Poll) -> Result<After> {
        self.flush()?;
        if !self.finished && self.outgoing.len() < OUT_LIMIT {
            let mut lines = Vec::new();
            let ended = read_ready(&mut self.stream, &mut self.pending, &mut lines, &self.say)?;
            for line in &lines {
                self.outgoing.extend_from_slice(&answer(line));
            }
            if self.pending.len() > MAX_LINE {
                self.say.note(format!(
                    "no newline in {} bytes: refused, and the connection ends",
                    self.pending.len()
                ));
                self.outgoing.extend_from_slice(b"ERROR line too long\n");
                self.finished = true;
            } else if ended == Ended::Eof {
                if !self.pending.is_empty() {
                    self.say.note(format!(
                        "the client left in the middle of a line: {} dropped",
                        show_bytes(&self.pending)
                    ));
                } else if lines.is_empty() {
                    self.say.note("the client has closed its side");
                }
                self.finished = true;
            } else if lines.is_empty() && !self.pending.is_empty() {
                self.say.note(format!(
                    "no whole line yet: {} waits in this connection's buffer",
                    show_bytes(&self.pending)
                ));
            }
            self.flush()?;
        }
        if self.finished && self.outgoing.is_empty() {
            return Ok(After::Close);
        }
        self.want_write(poll, !self.outgoing.is_empty())?;
        Ok(After::Keep)
    }
}
// ANCHOR_END: conn

// ANCHOR: flush
impl Conn {
    /// Send as much of `outgoing` as the kernel takes now. What it does not take stays, and
    /// the loop asks to hear when the socket is WRITABLE again.
    fn flush(&mut self) -> Result<()> {
        while !self.outgoing.is_empty() {
            let say = &self.say;
            say.next(
                format!("send({})", show_bytes(&self.outgoing)),
                "hand the kernel what it will take",
            );
            match self.stream.write(&self.outgoing) {
                Ok(n) => {
                    say.done(format!("{n} bytes"));
                    self.outgoing.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    say.done(format!(
                        "WouldBlock: the send buffer is full; {} bytes wait here",
                        self.outgoing.len()
                    ));
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(say.fail(e)),
            }
        }
        Ok(())
    }

    /// Ask for WRITABLE events only while there is something to send: a socket is writable
    /// almost always, and we would be woken for nothing.
    fn want_write(&mut self, poll: &Poll, on: bool) -> Result<()> {
        if on == self.wants_write {
            return Ok(());
        }
        let interest = match on {
            true => Interest::READABLE | Interest::WRITABLE,
            false => Interest::READABLE,
        };
        let token = self.token();
        let say = &self.say;
        say.next(
            format!("reregister({}, {interest:?})", say.who()),
            "epoll_ctl(MOD): change what we want to hear about",
        );
        poll.registry()
            .reregister(&mut self.stream, token, interest)
            .map_err(|e| say.fail(e))?;
        say.done("ok");
        self.wants_write = on;
        Ok(())
    }

    fn token(&self) -> Token {
        // conn3's token is Token(3): the narrator's name carries the number.
        Token(self.say.who()[4..].parse().unwrap_or(0))
    }
}
// ANCHOR_END: flush

// ANCHOR: server_loop
/// The whole server: a listener, the connections, and the one Poll that watches them all.
struct Server {
    poll: Poll,
    events: Events,
    listener: TcpListener,
    /// Connections by token. A BTreeMap, so that they are always served in the same order.
    conns: BTreeMap<Token, Conn>,
    /// How many connections were accepted, and how many have gone.
    accepted: usize,
    gone: usize,
    say: Narrator,
}

impl Server {
    /// Make the Poll and register the listener: "tell me when a connection is waiting".
    fn new(listener: StdListener, say: Narrator) -> Result<Server> {
        say.next(
            "Poll::new()",
            "epoll_create1() / kqueue(): an object that watches sockets",
        );
        let poll = Poll::new().map_err(|e| say.fail(e))?;
        say.done("ok");
        listener.set_nonblocking(true).map_err(|e| say.fail(e))?;
        let mut listener = TcpListener::from_std(listener);
        say.next(
            "register(listener, READABLE)",
            "epoll_ctl(ADD): readable means a connection is waiting",
        );
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)
            .map_err(|e| say.fail(e))?;
        say.done("ok");
        Ok(Server {
            poll,
            events: Events::with_capacity(128),
            listener,
            conns: BTreeMap::new(),
            accepted: 0,
            gone: 0,
            say,
        })
    }

    /// One turn of the loop: wait until something is ready, then serve everything that is.
    /// `None` waits for as long as it takes; the demo gives up after a few seconds.
    fn turn(&mut self, timeout: Option<Duration>) -> Result<()> {
        let say = &self.say;
        say.next("poll()", "epoll_wait(): sleep until some socket is ready");
        self.poll
            .poll(&mut self.events, timeout)
            .map_err(|e| say.fail(e))?;
        let mut ready: Vec<(Token, bool)> = self
            .events
            .iter()
            .map(|e| (e.token(), e.is_writable() && !e.is_readable()))
            .collect();
        ready.sort();
        ready.dedup_by_key(|(token, _)| *token);
        if ready.is_empty() {
            return Err(say.protocol_error("nothing became ready in time"));
        }
        let names: Vec<String> = ready
            .iter()
            .map(|&(token, only_writable)| {
                let what = if only_writable {
                    "writable"
                } else {
                    "readable"
                };
                match token {
                    LISTENER => format!("listener {what}"),
                    Token(n) => format!("conn{n} {what}"),
                }
            })
            .collect();
        say.done(format!("{} ready: {}", names.len(), names.join(", ")));
        for (token, _) in ready {
            match token {
                LISTENER => self.accept_all()?,
                token => self.serve(token)?,
            }
        }
        Ok(())
    }

    /// Accept every waiting connection, until accept() says WouldBlock.
    fn accept_all(&mut self) -> Result<()> {
        loop {
            let say = &self.say;
            say.next("accept()", "take a waiting connection, if there is one");
            let (mut stream, peer) = match self.listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    say.done("WouldBlock: no more connections waiting");
                    return Ok(());
                }
                Err(e) => return Err(say.fail(e)),
            };
            self.accepted += 1;
            let number = self.accepted;
            say.done(format!("ok, conn{number} from {peer}"));
            say.next(
                format!("register(conn{number}, READABLE)"),
                "epoll_ctl(ADD): tell me when this client sends",
            );
            self.poll
                .registry()
                .register(&mut stream, Token(number), Interest::READABLE)
                .map_err(|e| say.fail(e))?;
            say.done("ok");
            let conn = Conn {
                stream,
                say: Narrator::new(format!("conn{number}"), LESSON.package),
                pending: Vec::new(),
                outgoing: Vec::new(),
                wants_write: false,
                finished: false,
            };
            self.conns.insert(Token(number), conn);
        }
    }

    /// Serve one ready connection. Its failure ends that connection, never the server.
    fn serve(&mut self, token: Token) -> Result<()> {
        let Some(conn) = self.conns.get_mut(&token) else {
            return Ok(()); // closed earlier in this turn
        };
        let after = match conn.on_ready(&self.poll) {
            Ok(after) => after,
            Err(err) => {
                conn.say.note(format!("this connection failed: {err}"));
                After::Close
            }
        };
        if let After::Close = after {
            let mut conn = self.conns.remove(&token).expect("it was there");
            let say = &conn.say;
            say.next(
                "deregister + close(connection)",
                "stop watching it, and give the socket back",
            );
            let _ = self.poll.registry().deregister(&mut conn.stream);
            drop(conn.stream);
            say.done("ok");
            self.gone += 1;
        }
        Ok(())
    }
}
// ANCHOR_END: server_loop

// ANCHOR: server
/// Serve forever (or until `--clients N` connections have come and gone), on one thread.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: usize = opts.value("--clients", 0)?;
    let listener = common::listener::listen_on(opts, &say)?;
    let mut server = Server::new(listener, say)?;
    while clients == 0 || server.gone < clients {
        server.turn(None)?;
    }
    let say = &server.say;
    say.note(format!(
        "{} connections served, all on one thread",
        server.gone
    ));
    say.next("close(listener)", "stop listening");
    drop(server.listener);
    say.done("ok");
    Ok(())
}
// ANCHOR_END: server

/// A plain blocking client (the clients need no loop: each waits only for itself).
fn connect(addr: SocketAddr, say: &Narrator) -> Result<StdStream> {
    say.next(
        format!("connect({addr})"),
        "open a connection to the server",
    );
    let conn = StdStream::connect(addr).map_err(|e| say.fail(e))?;
    say.done("ok");
    // Never wait forever for an answer.
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| say.fail(e))?;
    Ok(conn)
}

fn send(mut conn: &StdStream, bytes: &[u8], say: &Narrator) -> Result<()> {
    say.next(
        format!("send({})", show_bytes(bytes)),
        "hand bytes to the kernel",
    );
    conn.write_all(bytes).map_err(|e| say.fail(e))?;
    say.done(format!("{} bytes", bytes.len()));
    Ok(())
}

/// Receive until `expected` has arrived, and check it.
fn expect(mut conn: &StdStream, expected: &[u8], say: &Narrator) -> Result<()> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while got.len() < expected.len() {
        say.next("recv(1024)", "wait for the answer");
        let n = conn.read(&mut buf).map_err(|e| say.fail(e))?;
        if n == 0 {
            say.done("0 bytes: end of stream");
            return Err(say.protocol_error("the server closed before answering"));
        }
        say.done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
        got.extend_from_slice(&buf[..n]);
    }
    if got != expected {
        return Err(say.protocol_error(format!(
            "expected {}, got {}",
            show_bytes(expected),
            show_bytes(&got)
        )));
    }
    Ok(())
}

fn close(conn: StdStream, say: &Narrator) {
    say.next("close(client socket)", "the server's next recv() returns 0");
    drop(conn);
    say.done("ok");
}

// ANCHOR: client
/// Send two lines in one go, read both answers, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = connect(opts.addr, &say)?;
    send(&conn, b"hello\nworld\n", &say)?;
    expect(&conn, b"HELLO\nWORLD\n", &say)?;
    println!("answers: HELLO, WORLD");
    say.next("shutdown(SHUT_WR)", "no more lines from us");
    conn.shutdown(Shutdown::Write).map_err(|e| say.fail(e))?;
    say.done("ok");
    close(conn, &say);
    Ok(())
}
// ANCHOR_END: client

// ANCHOR: demo
/// Part one: WouldBlock. Part two: the loop, with alice and bob interleaved on one thread.
fn demo(opts: &Options) -> Result<()> {
    let server_say = opts.narrator("server");
    let (alice, bob) = (opts.narrator("alice"), opts.narrator("bob"));
    let listener = common::listener::listen_on(opts, &server_say)?;
    let addr = listener.local_addr().map_err(|e| server_say.fail(e))?;
    show_would_block(&listener, &server_say, &opts.narrator("carol"))?;

    let mut server = Server::new(listener, server_say)?;
    // The demo waits at most this long for anything; a correct server needs far less.
    let patience = Some(Duration::from_secs(5));

    let to_alice = connect(addr, &alice)?;
    // alice's connection waits in the accept queue: that is what "listener readable" means.
    server.say.kernel_at(addr, None);
    server.turn(patience)?;
    let to_bob = connect(addr, &bob)?;
    server.turn(patience)?;

    // alice sends half a line and stops. The server reads it and keeps it, without waiting.
    send(&to_alice, b"hel", &alice)?;
    server.turn(patience)?;
    // bob sends a whole line, and is answered while alice's line is still unfinished.
    send(&to_bob, b"world\n", &bob)?;
    server.turn(patience)?;
    expect(&to_bob, b"WORLD\n", &bob)?;
    bob.note("answered, though alice is still in the middle of her line");
    // alice finishes her line.
    send(&to_alice, b"lo\n", &alice)?;
    server.turn(patience)?;
    expect(&to_alice, b"HELLO\n", &alice)?;

    close(to_alice, &alice);
    server.turn(patience)?;
    close(to_bob, &bob);
    server.turn(patience)?;

    let say = &server.say;
    say.note(format!("{} connections served on one thread", server.gone));
    say.next("close(listener)", "stop listening");
    drop(server.listener);
    say.done("ok");
    Ok(())
}
// ANCHOR_END: demo
