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

use std::collections::{BTreeMap, BTreeSet};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener as StdListener, TcpStream as StdStream};
use std::time::{Duration, Instant};

use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use lesson_12_nonblocking::{read_ready, Ended, MAX_LINE};

static LESSON: Lesson = Lesson {
    package: "lesson-12-nonblocking",
    title: "non-blocking sockets: WouldBlock, and one thread serving many clients with mio",
    port: 7012,
    about: "Every line a client sends comes back in upper case: b\"hello\\n\" -> b\"HELLO\\n\"\n\
            (a trailing \\r is dropped, so telnet works too). The server runs on ONE thread\n\
            however many clients connect, and no client can hold up the others:\n\
            - a line longer than 1024 bytes (newline included) gets b\"ERROR line too long\\n\"\n\
              and the connection is closed, as soon as byte 1025 arrives;\n\
            - a line must arrive whole within --line-timeout ms of its first byte, or it gets\n\
              b\"ERROR line too slow\\n\" and the connection is closed (silence between lines\n\
              costs nothing, and is allowed);\n\
            - while 64 KiB of answers wait unsent, the server stops reading from that client;\n\
              answers not taken within --write-timeout ms end the connection;\n\
            - one turn of the loop reads at most 64 KiB from any one client;\n\
            - accept() errors (out of descriptors, say) are reported, and accepting resumes\n\
              after a pause (10 ms, doubling up to 1 s); a signal (Ctrl-Z then fg) is no error.\n\n\
            The demo first shows accept() and recv() returning WouldBlock, then alice and bob:\n\
            alice sends half a line, bob a whole one, and bob is answered first.\n\n\
            Try it with several terminals, each running: nc 127.0.0.1 7012",
    flags: &[
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: stop after N connections have come and gone (default: serve forever)",
        },
        Flag {
            name: "--line-timeout",
            value: Some("MS"),
            help: "server: a line must be whole this long after its first byte (default 10000)",
        },
        Flag {
            name: "--misbehave",
            value: None,
            help: "demo: rude clients instead (a flood, a trickle) while bob is served",
        },
        Flag {
            name: "--backlog",
            value: Some("N"),
            help: "server: the accept queue to ask listen() for (default 10000; 128 is what\n\
                   std's TcpListener::bind asks for: try a storm against it)",
        },
        Flag {
            name: "--write-timeout",
            value: Some("MS"),
            help: "server: answers must be taken by the kernel this long after a send had to wait (default 10000)",
        },
    ],
};

fn main() -> std::process::ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: limits
// (MAX_LINE and READS_PER_TURN, the limits `read_ready` keeps, are in src/lib.rs.)
/// At most this many connections accepted per turn, for the same reason.
const ACCEPTS_PER_TURN: usize = 64;
/// While this much waits to be sent to a client that does not read, stop reading from it:
/// its answers would pile up in our memory.
const OUT_LIMIT: usize = 64 * 1024;

/// The time limits, from the command line.
#[derive(Clone, Copy)]
struct Limits {
    /// From a line's first byte to its newline.
    line: Duration,
    /// From the first send that had to wait to the moment every answer is taken.
    write: Duration,
}
// ANCHOR_END: limits

/// The listener's token: how the loop tells its events from the connections'.
const LISTENER: Token = Token(0);

// ANCHOR: would_block
/// Part one: what "non-blocking" means, on plain sockets, with no loop yet.
fn show_would_block(listener: &StdListener, server: &Narrator, client: &Narrator) -> Result<()> {
    let why = "O_NONBLOCK: from now on, a call that would wait fails instead";
    server.call("set_nonblocking(true)", why, || {
        listener.set_nonblocking(true)
    })?;

    let why = "is a connection waiting? (none is)";
    let accept = || would_block(listener.accept());
    let shown = |got: &Option<_>| match got {
        None => "WouldBlock at once: a blocking accept() would have waited here".to_string(),
        Some(_) => "ok, a connection".to_string(),
    };
    if server.call_then("accept()", why, accept, shown)?.is_some() {
        return Err(server.protocol_error("a connection nobody made"));
    }

    let addr = bound_to(listener)?;
    let why = "a plain, blocking client";
    let to_server = client.call(format!("connect({addr})"), why, || StdStream::connect(addr))?;

    let why = "now a connection is waiting";
    let accept = || until_ready(|| listener.accept());
    let from = |(_, peer): &(StdStream, SocketAddr)| format!("ok, a connection from {peer}");
    let (conn, _) = server.call_then("accept()", why, accept, from)?;
    // Whether an accepted socket inherits the mode differs between systems: set it.
    let why = "the connection must not wait either";
    server.call("set_nonblocking(true)", why, || conn.set_nonblocking(true))?;

    let why = "are there bytes? (the client has sent none)";
    let recv = || would_block((&conn).read(&mut [0u8; 4096]));
    let shown = |got: &Option<usize>| match got {
        None => "WouldBlock at once: a blocking recv() would have waited here for the client",
        Some(_) => "bytes",
    };
    if let Some(n) = server.call_then("recv(4096)", why, recv, |got| shown(got).into())? {
        return Err(server.protocol_error(format!("{n} bytes nobody sent")));
    }
    server.note("WouldBlock is not a failure: it means \"nothing yet, ask again later\"");
    drop((conn, to_server));
    Ok(())
}

/// A non-blocking call's outcome: `None` for WouldBlock ("nothing now"), which is an answer,
/// not a failure.
fn would_block<T>(result: std::io::Result<T>) -> std::io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    }
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
    /// What mio has reported and we have not used up yet. mio registers sockets
    /// edge-triggered: it reports a *change* (bytes arrived, room appeared) once. So the loop
    /// remembers it here, and forgets it only when a call answers WouldBlock.
    readable: bool,
    writable: bool,
    /// Bytes after the last newline: the start of a line that is still on its way.
    pending: Vec<u8>,
    /// Answers the kernel has not taken yet (send() took less than offered, or WouldBlock).
    outgoing: Vec<u8>,
    /// When the line in `pending` must be complete (set when its first byte arrives).
    line_deadline: Option<Instant>,
    /// When `outgoing` must be empty (set when a send has to leave bytes waiting).
    write_deadline: Option<Instant>,
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
    /// Is there something to do on this connection without waiting for a new event?
    /// (Bytes may be left to read after a turn's reads ran out, answers may wait for room.)
    fn has_work(&self) -> bool {
        let can_read = self.readable && !self.finished && self.outgoing.len() < OUT_LIMIT;
        let can_send = self.writable && !self.outgoing.is_empty();
        can_read || can_send
    }

    /// Serve the connection as far as it goes without waiting: send what is waiting, read
    /// what has come (at most READS_PER_TURN reads), answer every whole line, send again.
    fn serve(&mut self, limits: Limits) -> Result<After> {
        self.flush(limits)?;
        if self.readable && !self.finished && self.outgoing.len() < OUT_LIMIT {
            let mut lines = Vec::new();
            let mut stream = NarratedRecv::new(&mut self.stream, &self.say);
            let ended = read_ready(&mut stream, &mut self.pending, &mut lines)
                .map_err(|e| LessonError::io("recv(4096)", e, LESSON.package))?;
            for line in &lines {
                self.outgoing.extend_from_slice(&answer(line));
            }
            self.after_reading(ended, !lines.is_empty());
            // A line that has begun must end in time; a new line starts a new clock.
            if self.pending.is_empty() || self.finished {
                self.line_deadline = None;
            } else if self.line_deadline.is_none() || !lines.is_empty() {
                self.line_deadline = Some(Instant::now() + limits.line);
                if lines.is_empty() {
                    let waits = show_bytes(&self.pending);
                    let note =
                        format!("no whole line yet: {waits} waits in this connection's buffer");
                    self.say.note(note);
                }
            }
            self.flush(limits)?;
        }
        match self.finished && self.outgoing.is_empty() {
            true => Ok(After::Close),
            false => Ok(After::Keep),
        }
    }

    /// What the way `read_ready` ended means for this connection.
    fn after_reading(&mut self, ended: Ended, answered: bool) {
        match ended {
            // Everything is read: wait for mio to report new bytes.
            Ended::WouldBlock => self.readable = false,
            // More may be waiting, and no new event will say so: `readable` stays true,
            // and the loop comes back to this connection after serving the others.
            Ended::MoreLeft => {}
            Ended::TooLong => {
                self.say.note(format!(
                    "a line longer than {MAX_LINE} bytes: refused, and the connection ends"
                ));
                self.refuse(b"ERROR line too long\n");
            }
            Ended::Eof => {
                if !self.pending.is_empty() {
                    self.say.note(format!(
                        "the client left in the middle of a line: {} dropped",
                        show_bytes(&self.pending)
                    ));
                } else if !answered {
                    self.say.note("the client has closed its side");
                }
                self.finished = true;
            }
        }
    }

    /// The sooner of this connection's deadlines, if it has one.
    fn next_deadline(&self) -> Option<Instant> {
        [self.line_deadline, self.write_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// A client broke a rule: tell it why, stop reading, close once that is sent.
    fn refuse(&mut self, why: &[u8]) {
        self.pending.clear();
        self.outgoing.extend_from_slice(why);
        self.finished = true;
    }

    /// Has a time limit passed? A line too slow is refused; answers nobody takes end the
    /// connection at once (a client that does not read would not read an error either).
    fn check_deadlines(&mut self, now: Instant, limits: Limits) -> After {
        if self.write_deadline.is_some_and(|d| d <= now) {
            self.say.note(format!(
                "{} bytes of answers not taken in {} ms: the client does not read; closing",
                self.outgoing.len(),
                limits.write.as_millis()
            ));
            return After::Close;
        }
        if self.line_deadline.is_some_and(|d| d <= now) {
            self.say.note(format!(
                "no whole line {} ms after its first byte: refused, and the connection ends",
                limits.line.as_millis()
            ));
            self.line_deadline = None;
            self.refuse(b"ERROR line too slow\n");
        }
        After::Keep
    }
}
// ANCHOR_END: conn

// ANCHOR: narrated_recv
/// The connection as `read_ready` reads it: each recv is one narrated call here, and its bytes
/// are recorded at the edge (the quiet adapter), so that `read_ready` itself prints nothing.
struct NarratedRecv<'a> {
    stream: Narrated<&'a mut TcpStream>,
    say: &'a Narrator,
}

impl<'a> NarratedRecv<'a> {
    fn new(stream: &'a mut TcpStream, say: &'a Narrator) -> Self {
        let stream = Narrated::quiet(stream, say.clone());
        NarratedRecv { stream, say }
    }
}

impl Read for NarratedRecv<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let call = format!("recv({})", buf.len());
        let why = "take what has arrived, without waiting";
        // WouldBlock and EINTR are answers, for read_ready to act on; any other error is
        // this call's failure (the narrator reports it, read_ready passes it up).
        let recv = || match self.stream.read(buf) {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                Ok(Err(e))
            }
            Err(e) => Err(e),
            Ok(n) => Ok(Ok(buf[..n].to_vec())),
        };
        match self.say.call_then(call, why, recv, got) {
            // The bytes are in `buf` already; the copy was for the narration.
            Ok(Ok(bytes)) => Ok(bytes.len()),
            Ok(Err(answer)) => Err(answer),
            Err(failed) => Err(into_io(failed)),
        }
    }
}

/// What one recv() got, as the narration shows it.
fn got(outcome: &std::io::Result<Vec<u8>>) -> String {
    match outcome {
        Ok(bytes) if bytes.is_empty() => "0 bytes: end of stream".to_string(),
        Ok(bytes) => format!("{} bytes: {}", bytes.len(), show_bytes(bytes)),
        Err(e) if e.kind() == ErrorKind::Interrupted => {
            "interrupted by a signal: read again".into()
        }
        Err(_) => "WouldBlock: nothing more for now".to_string(),
    }
}

/// The `io::Error` inside a narrated call's error (the narrator has reported it).
fn into_io(err: LessonError) -> std::io::Error {
    err.source
        .unwrap_or_else(|| std::io::Error::other(err.reason))
}
// ANCHOR_END: narrated_recv

// ANCHOR: flush
impl Conn {
    /// Send as much of `outgoing` as the kernel takes now. What it does not take stays, and
    /// waits for mio to report the socket WRITABLE again (room in the send buffer).
    fn flush(&mut self, limits: Limits) -> Result<()> {
        let mut socket = Narrated::quiet(&mut self.stream, self.say.clone());
        while self.writable && !self.outgoing.is_empty() {
            let call = format!("send({})", show_bytes(&self.outgoing));
            // A signal that interrupts a send before it took anything: send again.
            let send = || loop {
                match socket.write(&self.outgoing) {
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    result => return would_block(result),
                }
            };
            let waiting = self.outgoing.len();
            let taken = |sent: &Option<usize>| match sent {
                Some(n) => format!("{n} bytes"),
                None => format!("WouldBlock: the send buffer is full; {waiting} bytes wait here"),
            };
            let why = "hand the kernel what it will take";
            match self.say.call_then(call, why, send, taken)? {
                Some(n) => {
                    self.outgoing.drain(..n);
                }
                None => {
                    // Used up: the next WRITABLE event (room again) sets it.
                    self.writable = false;
                    if self.write_deadline.is_none() {
                        self.write_deadline = Some(Instant::now() + limits.write);
                    }
                }
            }
        }
        if self.outgoing.is_empty() {
            self.write_deadline = None;
        }
        Ok(())
    }
}
// ANCHOR_END: flush

// ANCHOR: server_loop
/// The whole server: a listener, the connections, and the one Poll that watches them all.
struct Server {
    poll: Poll,
    events: Events,
    listener: TcpListener,
    /// Connections may be waiting to be accepted (edge-triggered, like a connection's flags).
    listener_ready: bool,
    /// After an accept() error such as EMFILE, no accepting before this moment...
    accept_paused_until: Option<Instant>,
    /// ...and the pause after the next error: 10 ms, doubling up to 1 s while errors go on.
    accept_pause: Duration,
    /// Connections by token.
    conns: BTreeMap<Token, Conn>,
    /// The connections to serve in this turn: those with an event, those with work left from
    /// the last turn, those whose deadline has passed; in token order, each once. (Reused from
    /// turn to turn: no allocation per turn.)
    due: Vec<Token>,
    /// The connections that still have work after their turn (bytes left to read, answers
    /// waiting for room): served in the next turn without a new event.
    leftover: Vec<Token>,
    /// Each connection's nearest deadline, sorted: the first is the one poll() must wake for.
    /// A turn looks at the connections that have news, never at all of them.
    deadlines: BTreeSet<(Instant, Token)>,
    /// How many connections were accepted, and how many have gone.
    accepted: usize,
    gone: usize,
    limits: Limits,
    say: Narrator,
}

impl Server {
    /// Make the Poll and register the listener: "tell me when a connection is waiting".
    fn new(listener: StdListener, limits: Limits, say: Narrator) -> Result<Server> {
        let why = "epoll_create1() / kqueue(): an object that watches sockets";
        let poll = say.call_then("Poll::new()", why, Poll::new, |_| "ok".into())?;
        // mio takes the listener in non-blocking mode (part one of the demo showed this call).
        let nonblocking = |e| LessonError::io("set_nonblocking(true)", e, LESSON.package);
        listener.set_nonblocking(true).map_err(nonblocking)?;
        let mut listener = TcpListener::from_std(listener);
        let why = "epoll_ctl(ADD): readable means a connection is waiting";
        say.call("register(listener, READABLE)", why, || {
            poll.registry()
                .register(&mut listener, LISTENER, Interest::READABLE)
        })?;
        Ok(Server {
            poll,
            events: Events::with_capacity(1024),
            listener,
            listener_ready: false,
            accept_paused_until: None,
            accept_pause: Duration::from_millis(10),
            conns: BTreeMap::new(),
            due: Vec::new(),
            leftover: Vec::new(),
            deadlines: BTreeSet::new(),
            accepted: 0,
            gone: 0,
            limits,
            say,
        })
    }

    /// How long poll() may sleep: not at all if some socket still has work from the last
    /// turn, else until the nearest deadline (None: until an event comes).
    fn sleep_limit(&self, now: Instant) -> Option<Duration> {
        let accept_left = self.listener_ready && self.accept_paused_until.is_none();
        if accept_left || !self.leftover.is_empty() {
            return Some(Duration::ZERO);
        }
        let deadline = self.deadlines.first().map(|&(when, _)| when);
        let nearest = [deadline, self.accept_paused_until]
            .into_iter()
            .flatten()
            .min()?;
        Some(nearest.saturating_duration_since(now))
    }

    /// One turn of the loop: wait until something is ready (or a deadline comes), then serve
    /// everything that is. `patience`: the demo gives up after a few seconds.
    fn turn(&mut self, patience: Option<Duration>) -> Result<()> {
        let started = Instant::now();
        let sleep = match (self.sleep_limit(started), patience) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let say = self.say.clone();
        let why = "epoll_wait(): sleep until some socket is ready";
        // A signal may end the sleep early (even a stop and continue, Ctrl-Z then fg, with no
        // handler installed: signal(7)). Nothing is wrong: poll again.
        let names = loop {
            if let Some(names) = say.call_then("poll()", why, || self.poll_ready(sleep), ready)? {
                break names;
            }
        };
        let now = Instant::now();
        if names.is_empty() && patience.is_some_and(|p| now >= started + p) {
            return Err(say.protocol_error("nothing became ready in time"));
        }

        if self.accept_paused_until.is_some_and(|t| t <= now) {
            self.accept_paused_until = None;
        }
        if self.listener_ready && self.accept_paused_until.is_none() {
            self.accept_some()?;
        }
        // The connections with news: an event (poll_ready put them in `due`), work left over
        // from the last turn, or a deadline passed.
        self.due.append(&mut self.leftover);
        let passed = self.deadlines.iter().take_while(|&&(when, _)| when <= now);
        self.due.extend(passed.map(|&(_, token)| token));
        self.due.sort_unstable();
        self.due.dedup();
        let due = std::mem::take(&mut self.due);
        for &token in &due {
            self.serve(token, now);
        }
        self.due = due;
        self.due.clear();
        Ok(())
    }

    /// One poll(), and what each event reports, remembered in the flags that the work uses
    /// up: the names of what is ready (`listener readable`, `conn1 writable`), or `None` if a
    /// signal interrupted the sleep.
    fn poll_ready(&mut self, sleep: Option<Duration>) -> std::io::Result<Option<Vec<String>>> {
        match self.poll.poll(&mut self.events, sleep) {
            Err(e) if e.kind() == ErrorKind::Interrupted => return Ok(None),
            result => result?,
        }
        let mut names = Vec::new();
        for event in self.events.iter() {
            let what = match event.is_readable() {
                true => "readable",
                false => "writable",
            };
            if event.token() == LISTENER {
                self.listener_ready = true;
                names.push(format!("listener {what}"));
            } else if let Some(conn) = self.conns.get_mut(&event.token()) {
                conn.readable |= event.is_readable() || event.is_read_closed();
                conn.writable |= event.is_writable() || event.is_write_closed();
                self.due.push(event.token());
                names.push(format!("conn{} {what}", event.token().0));
            }
        }
        names.dedup();
        Ok(Some(names))
    }
    // ANCHOR_END: server_loop

    // ANCHOR: accept
    /// Accept the waiting connections (at most ACCEPTS_PER_TURN), until accept() says
    /// WouldBlock. An error is never the server's end: see the match below.
    fn accept_some(&mut self) -> Result<()> {
        for _ in 0..ACCEPTS_PER_TURN {
            // Connections are numbered by a counter; the number is also the mio token.
            let number = self.accepted + 1;
            let why = "take a waiting connection, if there is one";
            let taken = |got: &Option<(TcpStream, SocketAddr)>| match got {
                None => "WouldBlock: no more connections waiting".to_string(),
                Some((_, peer)) => format!("ok, conn{number} from {peer}"),
            };
            let accept = || would_block(self.listener.accept());
            let stream = match self.say.call_then("accept()", why, accept, taken) {
                Ok(Some((stream, _peer))) => stream,
                Ok(None) => {
                    self.listener_ready = false;
                    return Ok(());
                }
                Err(err) => match err.kind() {
                    // The client gave up while it waited in the queue, or a signal came: take
                    // the next one at once.
                    Some(ErrorKind::ConnectionAborted | ErrorKind::Interrupted) => continue,
                    // The listening socket is not listening: a bug, not a moment to ride out.
                    Some(ErrorKind::InvalidInput) => return Err(err),
                    // EMFILE/ENFILE (no descriptor left), ENOBUFS/ENOMEM, network errors: the
                    // connection stays queued. Serve the others, and try again after a pause.
                    _ => {
                        self.pause_accepting();
                        return Ok(());
                    }
                },
            };
            self.accept_pause = Duration::from_millis(10);
            self.accepted = number;
            self.add(stream, number);
        }
        Ok(())
    }

    /// No accept() for a while after an error that may pass: 10 ms, doubling up to 1 s.
    fn pause_accepting(&mut self) {
        self.say.note(format!(
            "accepting again in {} ms; the connections we have are served meanwhile",
            self.accept_pause.as_millis()
        ));
        self.accept_paused_until = Some(Instant::now() + self.accept_pause);
        self.accept_pause = (self.accept_pause * 2).min(Duration::from_secs(1));
    }

    /// Register a new connection for both directions, once: with edge-triggered events there
    /// is no need to change the interest later (see `Conn::writable`).
    fn add(&mut self, mut stream: TcpStream, number: usize) {
        let token = Token(number);
        let call = format!("register(conn{number}, READABLE | WRITABLE)");
        let why = "epoll_ctl(ADD): tell me when this client sends, or when there is room to answer";
        let both = Interest::READABLE | Interest::WRITABLE;
        let registry = self.poll.registry();
        let registered = self
            .say
            .call(call, why, || registry.register(&mut stream, token, both));
        if registered.is_err() {
            // ENOMEM, or ENOSPC (too many watched sockets): close this one only.
            self.gone += 1;
            return;
        }
        let conn = Conn {
            stream,
            say: Narrator::new(format!("conn{number}"), LESSON.package),
            readable: false,
            // A new socket's send buffer is empty: sending may start at once.
            writable: true,
            pending: Vec::new(),
            outgoing: Vec::new(),
            line_deadline: None,
            write_deadline: None,
            finished: false,
        };
        self.conns.insert(token, conn);
    }
    // ANCHOR_END: accept

    // ANCHOR: serve
    /// Serve one connection if it has work or a deadline has passed. Its failure ends that
    /// connection, never the server.
    fn serve(&mut self, token: Token, now: Instant) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        let deadline = conn.next_deadline();
        let mut after = conn.check_deadlines(now, self.limits);
        if matches!(after, After::Keep) && (conn.has_work() || conn.finished) {
            after = conn.serve(self.limits).unwrap_or_else(|err| {
                conn.say.note(format!("this connection failed: {err}"));
                After::Close
            });
        }
        let keep = matches!(after, After::Keep);
        let (new_deadline, more) = (conn.next_deadline().filter(|_| keep), conn.has_work());
        self.move_deadline(token, deadline, new_deadline);
        if keep && more {
            self.leftover.push(token);
        }
        if let After::Close = after {
            let mut conn = self.conns.remove(&token).expect("it was there");
            let why = "stop watching it, and give the socket back";
            let registry = self.poll.registry();
            let _ = conn.say.call("deregister + close(connection)", why, || {
                // Closing stops the watching anyway; a failed deregister changes nothing.
                let _ = registry.deregister(&mut conn.stream);
                drop(conn.stream);
                Ok(())
            });
            self.gone += 1;
        }
    }

    /// Keep the sorted deadlines true to this connection's: `old` out, `new` in.
    fn move_deadline(&mut self, token: Token, old: Option<Instant>, new: Option<Instant>) {
        if old == new {
            return;
        }
        if let Some(when) = old {
            self.deadlines.remove(&(when, token));
        }
        if let Some(when) = new {
            self.deadlines.insert((when, token));
        }
    }
    // ANCHOR_END: serve
}

// ANCHOR: server
/// The accept queue the server asks for: room for a storm of 10,000 clients at once, as far
/// as the system allows (listen(2): capped at net.core.somaxconn, 4096 since Linux 5.4).
/// (`--backlog N` asks for another: 128 is std's, for a comparison.)
const BACKLOG: i32 = 10_000;

/// The descriptors the server asks to be allowed: one per connection, for 10,000 and more.
const DESCRIPTORS: u64 = 20_000;

/// Serve forever (or until `--clients N` connections have come and gone), on one thread.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: usize = opts.value("--clients", 0)?;
    let limits = limits(opts)?;
    common::listener::allow_descriptors(DESCRIPTORS, &say)?;
    let backlog = opts.value("--backlog", BACKLOG)?;
    let listener = common::listener::listen_with_backlog(opts, backlog, &say)?;
    let mut server = Server::new(listener, limits, say)?;
    while clients == 0 || server.gone < clients {
        server.turn(None)?;
    }
    let say = &server.say;
    say.note(format!(
        "{} connections served, all on one thread",
        server.gone
    ));
    close_listener(server.listener, say)
}
// ANCHOR_END: server

fn close_listener(listener: TcpListener, say: &Narrator) -> Result<()> {
    say.call("close(listener)", "stop listening", || {
        drop(listener);
        Ok(())
    })
}

/// What a poll() reported, as the narration shows it.
fn ready(names: &Option<Vec<String>>) -> String {
    match names {
        None => "interrupted by a signal (EINTR): nothing is wrong, poll again".to_string(),
        Some(names) if names.is_empty() => "0 ready: time for a deadline".to_string(),
        Some(names) => format!("{} ready: {}", names.len(), names.join(", ")),
    }
}

/// The time limits from the command line (milliseconds).
fn limits(opts: &Options) -> Result<Limits> {
    let line: u64 = opts.value("--line-timeout", 10_000)?;
    let write: u64 = opts.value("--write-timeout", 10_000)?;
    Ok(Limits {
        line: Duration::from_millis(line),
        write: Duration::from_millis(write),
    })
}

/// A plain blocking client (the clients need no loop: each waits only for itself).
fn connect(addr: SocketAddr, say: &Narrator) -> Result<StdStream> {
    let why = "open a connection to the server";
    let conn = say.call(format!("connect({addr})"), why, || StdStream::connect(addr))?;
    // Never wait forever for an answer.
    let timeout = |e| LessonError::io("setsockopt(SO_RCVTIMEO, 5 s)", e, LESSON.package);
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(timeout)?;
    Ok(conn)
}

/// Send all of `bytes` (the trace records them).
fn send(conn: &StdStream, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let call = format!("send({})", show_bytes(bytes));
    let sent = |_: &()| format!("{} bytes", bytes.len());
    say.call_then(
        call,
        "hand bytes to the kernel",
        || socket.write_all(bytes),
        sent,
    )
}

/// One recv() of a client, its bytes recorded in the trace.
fn recv(conn: &StdStream, why: &str, say: &Narrator) -> Result<Vec<u8>> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let mut buf = [0u8; 1024];
    let recv = || socket.read(&mut buf).map(|n| buf[..n].to_vec());
    let shown = |bytes: &Vec<u8>| match bytes.len() {
        0 => "0 bytes: end of stream".to_string(),
        n => format!("{n} bytes: {}", show_bytes(bytes)),
    };
    say.call_then("recv(1024)", why, recv, shown)
}

/// The server must close next: recv() returns 0.
fn expect_end(conn: &StdStream, say: &Narrator) -> Result<()> {
    let bytes = recv(conn, "the server should close now", say)?;
    match bytes.is_empty() {
        true => Ok(()),
        false => Err(say.protocol_error(format!("{} instead of the end", show_bytes(&bytes)))),
    }
}

/// Receive until `expected` has arrived, and check it.
fn expect(conn: &StdStream, expected: &[u8], say: &Narrator) -> Result<()> {
    let mut got = Vec::new();
    while got.len() < expected.len() {
        let bytes = recv(conn, "wait for the answer", say)?;
        if bytes.is_empty() {
            return Err(say.protocol_error("the server closed before answering"));
        }
        got.extend_from_slice(&bytes);
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
    let why = "the server's next recv() returns 0";
    // Dropping cannot fail: this call always returns ok.
    let _ = say.call("close(client socket)", why, || {
        drop(conn);
        Ok(())
    });
}

/// The listener's address (getsockname): where the demo's clients connect.
fn bound_to(listener: &StdListener) -> Result<SocketAddr> {
    let getsockname = |e| LessonError::io("getsockname()", e, LESSON.package);
    listener.local_addr().map_err(getsockname)
}

// ANCHOR: client
/// Send two lines in one go, read both answers, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = connect(opts.addr, &say)?;
    send(&conn, b"hello\nworld\n", &say)?;
    expect(&conn, b"HELLO\nWORLD\n", &say)?;
    println!("answers: HELLO, WORLD");
    let why = "no more lines from us";
    say.call("shutdown(SHUT_WR)", why, || conn.shutdown(Shutdown::Write))?;
    close(conn, &say);
    Ok(())
}
// ANCHOR_END: client

// ANCHOR: demo
/// Part one: WouldBlock. Part two: the loop, with alice and bob interleaved on one thread.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--misbehave") {
        return misbehave(opts);
    }
    let server_say = opts.narrator("server");
    let (alice, bob) = (opts.narrator("alice"), opts.narrator("bob"));
    let listener = common::listener::listen_on(opts, &server_say)?;
    let addr = bound_to(&listener)?;
    show_would_block(&listener, &server_say, &opts.narrator("carol"))?;

    let mut server = Server::new(listener, limits(opts)?, server_say)?;
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
    close_listener(server.listener, say)
}
// ANCHOR_END: demo

// ANCHOR: misbehave
/// `--misbehave`: two clients that break the rules, and bob, who is served while they are
/// there. `flood` sends 2000 bytes without a newline; `slow` sends half a line and no more.
fn misbehave(opts: &Options) -> Result<()> {
    let server_say = opts.narrator("server");
    let (flood, slow, bob) = (
        opts.narrator("flood"),
        opts.narrator("slow"),
        opts.narrator("bob"),
    );
    let listener = common::listener::listen_on(opts, &server_say)?;
    let addr = bound_to(&listener)?;
    let mut server = Server::new(listener, limits(opts)?, server_say)?;
    let patience = Some(Duration::from_secs(5));

    // A line with no end: refused at its byte 1025, in the read that brings it.
    let to_flood = connect(addr, &flood)?;
    server.turn(patience)?;
    send(&to_flood, &[b'x'; 2000], &flood)?;
    server.turn(patience)?;
    expect(&to_flood, b"ERROR line too long\n", &flood)?;
    expect_end(&to_flood, &flood)?;

    // Half a line and silence: the line's clock runs; bob is served meanwhile.
    let to_slow = connect(addr, &slow)?;
    server.turn(patience)?;
    send(&to_slow, b"hel", &slow)?;
    server.turn(patience)?;
    let to_bob = connect(addr, &bob)?;
    server.turn(patience)?;
    send(&to_bob, b"ping\n", &bob)?;
    server.turn(patience)?;
    expect(&to_bob, b"PING\n", &bob)?;
    // Nothing more arrives: poll() sleeps until slow's deadline, and wakes with 0 ready.
    server.turn(patience)?;
    expect(&to_slow, b"ERROR line too slow\n", &slow)?;
    expect_end(&to_slow, &slow)?;

    close(to_bob, &bob);
    server.turn(patience)?;
    let say = &server.say;
    say.note(format!("{} connections served on one thread", server.gone));
    Ok(())
}
// ANCHOR_END: misbehave
