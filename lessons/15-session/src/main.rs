//! Lesson 15: a stateful session protocol, in the manner of FTP's control connection.
//!
//! Lines go up (`USER alice\r\n`), numbered replies come back (`331 password required for
//! alice\r\n`). What a command means depends on what came before it on the same connection:
//! `PASS` only after `USER`, `GET` only once logged in, and `GET note` looks in the directory
//! that the last `CWD` chose. The server keeps that *session* — who you are, where you are —
//! for as long as the connection lives, and forgets it when the connection ends.
//!
//! What is kept across sessions is the store: the accounts and a small in-memory tree of
//! directories holding values (no real files are touched).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use common::listener::{time_left, Backoff};
use common::{show_bytes, Flag, Lesson, Narrated, Narrator, Options, Result};

use lesson_15_session::{Command, Reply, Session, Store};

static LESSON: Lesson = Lesson {
    package: "lesson-15-session",
    title: "stateful: a session protocol, like FTP's control connection",
    port: 7015,
    about: "One line per command, one numbered line per reply, both ending in \\r\\n:\n\
            \n\
            \x20   server: 220 lesson-15 ready        (on connect)\n\
            \x20   USER alice      -> 331 password required for alice\n\
            \x20   PASS secret     -> 230 alice logged in    (or 530 login incorrect)\n\
            \x20   PWD             -> 257 \"/\"\n\
            \x20   CWD docs        -> 250 now in /docs       (or 550; CWD .. and CWD / too)\n\
            \x20   LIST            -> 226 <names; directories end in />\n\
            \x20   PUT key value   -> 250 stored /docs/key\n\
            \x20   GET key         -> 213 value              (or 550 no such key)\n\
            \x20   RNFR key        -> 350 (or 550), then RNTO new -> 250 renamed\n\
            \x20   QUIT            -> 221 bye, and the server closes\n\
            \n\
            Before login every command but USER, PASS and QUIT gets 530 not logged in; PASS\n\
            without USER gets 503, and so does an RNTO not right after a 350; an unknown\n\
            command 500; a line over 512 bytes 500; a line that is not UTF-8 501; and the\n\
            session goes on. A silent client gets 421 and is closed after --timeout-ms. The\n\
            third wrong password on a connection gets 421 and closes it. Accounts: alice/secret, bob/builder.\n\
            The server gives each connection its own thread and its own session.\n\
            \n\
            Try it: nc -C 127.0.0.1 7015   (or plain nc: the server accepts \\n too)",
    flags: &[
        Flag {
            name: "--max",
            value: Some("N"),
            help: "server: serve N connections, then exit (default: run until stopped)",
        },
        Flag {
            name: "--timeout-ms",
            value: Some("MS"),
            help: "server: how long one whole command line may take to come, from when the\n\
                   server starts waiting for it; also the limit on each send (default 30000)",
        },
        Flag {
            name: "--trickle",
            value: None,
            help: "demo: a client that trickles a command, cut at the line's deadline (1 s)",
        },
        Flag {
            name: "--user",
            value: Some("NAME"),
            help: "client: log in as NAME (default alice)",
        },
        Flag {
            name: "--pass",
            value: Some("PASSWORD"),
            help: "client: with this password (default secret)",
        },
    ],
};

/// The most bytes one command line may have, with its line end. A longer line is answered
/// with 500 and skipped, and the session goes on.
const MAX_LINE: usize = 512;

fn main() -> std::process::ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: read_line
/// A connection as this lesson uses it: the socket, with every recv() and send() recorded in
/// the trace as it happens (`Narrated::quiet`: bytes at the edge). The lines the learner reads
/// are printed by `read_line` and `send_all`, which say what each call came to.
type Conn = Narrated<TcpStream>;

/// What reading one line came to.
enum Line {
    /// A whole line, without its `\n` or `\r\n`.
    Text(Vec<u8>),
    /// A line longer than MAX_LINE; it was read and thrown away.
    TooLong,
    /// No whole line came before the deadline.
    TimedOut,
    /// The peer closed; `partial` if it left in the middle of a line.
    Closed { partial: bool },
}

/// Read one line. `pending` keeps bytes that came after it for the next call: one recv can
/// bring half a line, or two lines at once (TCP carries bytes, not lines).
///
/// What it guarantees: it returns within `limit` (a deadline for the whole line: a client that
/// trickles a byte at a time is cut all the same), and holds at most 2 x MAX_LINE bytes,
/// whatever the client sends (a longer line is thrown away as it comes).
fn read_line(
    conn: &mut Conn,
    pending: &mut Vec<u8>,
    limit: Duration,
    say: &Narrator,
) -> Result<Line> {
    let deadline = Instant::now() + limit;
    let mut too_long = false;
    let mut buf = [0u8; MAX_LINE];
    loop {
        if let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = pending.drain(..=end).collect();
            if too_long || line.len() > MAX_LINE {
                return Ok(Line::TooLong);
            }
            line.pop(); // the \n
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Line::Text(line));
        }
        if pending.len() > MAX_LINE {
            // Too long already: forget it, and skip the rest up to the next \n.
            pending.clear();
            too_long = true;
        }
        let recv = || recv_before(conn, deadline, &mut buf);
        let why = "wait for the next line";
        match say.call_then(format!("recv({MAX_LINE})"), why, recv, Got::shown)? {
            Got::Bytes(bytes) => pending.extend_from_slice(&bytes),
            // Nothing was lost: wait again, for the time still left.
            Got::Interrupted => continue,
            Got::TimedOut => return Ok(Line::TimedOut),
            Got::End => {
                let partial = too_long || !pending.is_empty();
                return Ok(Line::Closed { partial });
            }
        }
    }
}

/// What one recv() came to. Only a broken connection is an error; these are not.
enum Got {
    Bytes(Vec<u8>),
    /// 0 bytes: the peer closed its side.
    End,
    /// A signal interrupted the wait (kill -STOP then -CONT does that to a recv with a
    /// timeout: signal(7)).
    Interrupted,
    /// The deadline passed first.
    TimedOut,
}

impl Got {
    /// The result, as the narration shows it after `recv(512) ->`.
    fn shown(&self) -> String {
        match self {
            Got::Bytes(bytes) => format!("{} bytes: {}", bytes.len(), show_bytes(bytes)),
            Got::End => "0 bytes: end of stream".to_string(),
            Got::Interrupted => "interrupted by a signal (EINTR): again".to_string(),
            Got::TimedOut => "timed out: no whole line in time".to_string(),
        }
    }
}

/// One recv() that returns by `deadline`. A deadline, not a timeout: SO_RCVTIMEO limits ONE
/// recv, so each recv is given only the time left (common::listener::time_left).
fn recv_before(conn: &mut Conn, deadline: Instant, buf: &mut [u8]) -> io::Result<Got> {
    let Some(left) = time_left(deadline) else {
        return Ok(Got::TimedOut);
    };
    conn.get_ref().set_read_timeout(Some(left))?;
    // `Read::read` on a TcpStream is the recv() system call.
    match conn.read(buf) {
        Ok(0) => Ok(Got::End),
        Ok(n) => Ok(Got::Bytes(buf[..n].to_vec())),
        Err(e) if e.kind() == ErrorKind::Interrupted => Ok(Got::Interrupted),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Ok(Got::TimedOut)
        }
        Err(e) => Err(e),
    }
}
// ANCHOR_END: read_line

/// Send all of `bytes`: `write` may take fewer than offered, so loop.
fn send_all(conn: &mut Conn, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let call = format!("send({})", show_bytes(rest));
        let n = say.call(call, "hand the bytes to the kernel", || send(conn, rest))?;
        rest = &rest[n..];
    }
    Ok(())
}

/// One send(): `Write::write` on a TcpStream is the send() system call. It waits only while
/// the buffers toward the peer are full; SO_SNDTIMEO (set at accept) bounds that wait.
fn send(conn: &mut Conn, bytes: &[u8]) -> io::Result<usize> {
    loop {
        match conn.write(bytes) {
            // A stop and continue (signal(7)) interrupts a send with a timeout: again.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let why = "timed out: the peer does not take our replies (it does not read)";
                return Err(io::Error::new(ErrorKind::TimedOut, why));
            }
            sent => return sent,
        }
    }
}

// ANCHOR: serve_line
/// The server's side of one step: read a line, work out the reply with the session's state,
/// send it. Returns false when the session is over (QUIT, timeout, the client gone).
fn serve_line(
    conn: &mut Conn,
    pending: &mut Vec<u8>,
    session: &mut Session,
    store: &Mutex<Store>,
    limit: Duration,
    say: &Narrator,
) -> Result<bool> {
    let reply = match read_line(conn, pending, limit, say)? {
        Line::Text(bytes) => match std::str::from_utf8(&bytes) {
            // A bad line is answered, and the session goes on: the state is still good.
            Err(_) => Reply::new(501, "line is not UTF-8"),
            Ok(line) => match Command::parse(line) {
                Err(reply) => reply,
                Ok(command) => {
                    let before = who(session);
                    // The store is shared by all sessions; the session is this client's own.
                    let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
                    let reply = session.handle(&mut store, command);
                    let after = who(session);
                    if after != before {
                        say.note(format!("session: {before} -> {after}"));
                    }
                    reply
                }
            },
        },
        Line::TooLong => Reply::new(500, format!("line too long (max {MAX_LINE} bytes)")),
        Line::TimedOut => {
            send_all(conn, &Reply::new(421, "timed out, closing").to_bytes(), say)?;
            return Ok(false);
        }
        Line::Closed { partial } => {
            if partial {
                say.note("the client left in the middle of a command: session lost");
            } else {
                say.note("the client left without QUIT: session lost");
            }
            return Ok(false);
        }
    };
    send_all(conn, &reply.to_bytes(), say)?;
    // Over: the client said QUIT, or the session refused to go on (too many wrong passwords).
    Ok(!session.is_over())
}

/// The session as the narration shows it, from what it lets the lesson see.
fn who(session: &Session) -> String {
    match (session.is_over(), session.user()) {
        (true, _) => "over".to_string(),
        (false, Some(user)) => format!("{user} logged in"),
        (false, None) => "not logged in".to_string(),
    }
}
// ANCHOR_END: serve_line

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
        match say.call(call, why, || conn.set_write_timeout(Some(limit))) {
            Ok(()) => return Ok(conn),
            // Said; that connection is closed (dropped), and the server goes on.
            Err(_) => continue,
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: server
/// Serve clients until stopped (or `--max N`), one thread each. Each thread has its own
/// `Session`; only the `Store` is shared, behind a Mutex.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let max: usize = opts.value("--max", 0)?;
    let limit = opts.millis("--timeout-ms", 30_000)?;
    let listener = common::listener::listen_on(opts, &say)?;
    let store = Mutex::new(Store::new());
    let mut pause = Backoff::new();
    thread::scope(|threads| {
        let mut served = 0;
        while max == 0 || served < max {
            let conn = accept_one(&listener, limit, &mut pause, &say)?;
            served += 1;
            // If no thread can be made, the closure is dropped, and the connection in it is
            // closed. To tell the client first, keep a second descriptor for the same socket
            // (dup(2)); the connection lives on until both are closed.
            let spare = conn.try_clone();
            let name = format!("conn{served}");
            let call = format!("thread::spawn({name})");
            let builder = thread::Builder::new().name(name.clone());
            let store = &store;
            let session = move || {
                let say = Narrator::new(name, LESSON.package);
                if let Err(err) = serve_session(conn, store, limit, &say) {
                    say.note(format!("session ended: {err}"));
                }
            };
            // Builder::spawn_scoped returns an error where thread::scope's spawn would panic.
            // The handle is dropped: the thread runs on, and the scope waits for it.
            let spawn = || builder.spawn_scoped(threads, session).map(drop);
            let why = "a thread for this session";
            if say.call(call, why, || spawn().map_err(no_thread)).is_err() {
                refuse(spare, &say);
            }
        }
        Ok(())
    })
}

/// EAGAIN (pthread_create(3)): no memory for a stack, or a limit on threads, said plainly.
fn no_thread(e: io::Error) -> io::Error {
    match e.kind() {
        ErrorKind::WouldBlock => {
            io::Error::new(e.kind(), "the system refused another thread (EAGAIN)")
        }
        _ => e,
    }
}

/// One client's whole session: greet, then one reply per line until QUIT.
fn serve_session(
    conn: TcpStream,
    store: &Mutex<Store>,
    limit: Duration,
    say: &Narrator,
) -> Result<()> {
    let mut conn = Narrated::quiet(conn, say.clone());
    // The session is born with the connection...
    let mut session = Session::new();
    let mut pending = Vec::new();
    send_all(
        &mut conn,
        &Reply::new(220, "lesson-15 ready").to_bytes(),
        say,
    )?;
    while serve_line(&mut conn, &mut pending, &mut session, store, limit, say)? {}
    // ...and dies with it (on every other way out too: the `?`s drop `conn`, which closes it,
    // and `session` and `pending`, which frees them).
    close(conn, "connection", say);
    Ok(())
}

/// Turn away a connection no thread could be made for: 421, the FTP-style "service not
/// available, closing", and close, at once. The acceptor does not wait for this client: the
/// line fits a new connection's empty send buffer (and SO_SNDTIMEO bounds it anyway).
fn refuse(spare: io::Result<TcpStream>, say: &Narrator) {
    let Ok(conn) = spare else {
        say.note("no descriptor for a copy either: closed without a word");
        return;
    };
    let mut conn = Narrated::quiet(conn, say.clone());
    let reply = Reply::new(421, "too many sessions, try again later");
    let _ = send_all(&mut conn, &reply.to_bytes(), say);
    close(conn, "connection", say);
}
// ANCHOR_END: server

fn close(conn: Conn, name: &str, say: &Narrator) {
    // Dropping the socket is what calls close(); it cannot fail.
    let give_back = || -> io::Result<()> {
        drop(conn);
        Ok(())
    };
    let _ = say.call(
        format!("close({name})"),
        "give the socket back to the kernel",
        give_back,
    );
}

// ANCHOR: client
/// Connect and read the server's greeting.
fn connect(addr: SocketAddr, say: &Narrator) -> Result<(Conn, Vec<u8>)> {
    let why = "open the control connection";
    let stream = say.call(format!("connect({addr})"), why, || TcpStream::connect(addr))?;
    let mut conn = Narrated::quiet(stream, say.clone());
    let mut pending = Vec::new();
    expect_reply(&mut conn, &mut pending, say)?;
    Ok((conn, pending))
}

/// How long the client waits for each reply.
const CLIENT_WAIT: Duration = Duration::from_secs(5);

/// Read one reply line and pick its number off the front.
fn expect_reply(conn: &mut Conn, pending: &mut Vec<u8>, say: &Narrator) -> Result<Reply> {
    // Never wait forever: each reply must come whole within 5 s.
    match read_line(conn, pending, CLIENT_WAIT, say)? {
        Line::Text(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            match text.split_once(' ') {
                Some((code, rest)) if code.len() == 3 => match code.parse() {
                    Ok(code) => Ok(Reply::new(code, rest)),
                    Err(_) => Err(say.protocol_error(format!("not a reply: {text:?}"))),
                },
                _ => Err(say.protocol_error(format!("not a reply: {text:?}"))),
            }
        }
        Line::TooLong => Err(say.protocol_error("a reply line that is far too long")),
        Line::TimedOut => Err(say.protocol_error("the server did not answer in time")),
        Line::Closed { .. } => Err(say.protocol_error("the server closed the connection")),
    }
}

/// Send one command line and read its reply.
fn command(conn: &mut Conn, pending: &mut Vec<u8>, line: &str, say: &Narrator) -> Result<Reply> {
    send_all(conn, format!("{line}\r\n").as_bytes(), say)?;
    expect_reply(conn, pending, say)
}
// ANCHOR_END: client

// ANCHOR: demo
/// The two sessions of the demo: the first logs in, stores a note and renames it (a second
/// RNTO has no RNFR just before it: 503); the second (a reconnect) finds itself logged out
/// and back in `/`, but the renamed note is still there.
const FIRST_SESSION: &[&str] = &[
    "PWD",
    "USER alice",
    "PASS secret",
    "CWD docs",
    "PUT note buy milk",
    "RNFR note",
    "RNTO todo",
    "RNTO again",
    "LIST",
    "QUIT",
];
const SECOND_SESSION: &[&str] = &[
    "GET todo",
    "USER alice",
    "PASS secret",
    "PWD",
    "CWD docs",
    "GET todo",
    "QUIT",
];

/// Two sessions of one client, one after the other, both sides in this one thread: the
/// session is gone with its connection, but the store outlives it.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--trickle") {
        return trickle_demo(opts);
    }
    let (server, client) = (opts.narrator("server"), opts.narrator("client"));
    let limit = opts.millis("--timeout-ms", 30_000)?;
    let store = Mutex::new(Store::new());
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = listener
        .local_addr()
        .map_err(|e| server.failed("getsockname()", e))?;
    let mut pause = Backoff::new();
    for script in [FIRST_SESSION, SECOND_SESSION] {
        client.note("a new connection: a new session");
        let why = "open the control connection";
        let stream = client.call(format!("connect({addr})"), why, || TcpStream::connect(addr))?;
        let mut to_server = Narrated::quiet(stream, client.clone());
        let conn = accept_one(&listener, limit, &mut pause, &server)?;
        let mut conn = Narrated::quiet(conn, server.clone());
        let mut session = Session::new();
        let (mut server_pending, mut client_pending) = (Vec::new(), Vec::new());
        let greeting = Reply::new(220, "lesson-15 ready").to_bytes();
        send_all(&mut conn, &greeting, &server)?;
        expect_reply(&mut to_server, &mut client_pending, &client)?;
        for &line in script {
            send_all(&mut to_server, format!("{line}\r\n").as_bytes(), &client)?;
            serve_line(
                &mut conn,
                &mut server_pending,
                &mut session,
                &store,
                limit,
                &server,
            )?;
            expect_reply(&mut to_server, &mut client_pending, &client)?;
        }
        // After 221 the server closes; the client reads the end of stream, and closes too.
        close(conn, "connection", &server);
        match read_line(&mut to_server, &mut client_pending, CLIENT_WAIT, &client)? {
            Line::Closed { .. } => {}
            _ => return Err(client.protocol_error("expected the server to close")),
        }
        close(to_server, "client socket", &client);
    }
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: trickle_demo
/// A client that misbehaves: `slow` sends a command in pieces, 0.3 s apart, and never the
/// line end. Each recv gets its piece well within a second, so a timeout of 1 s per recv
/// would never fire; the deadline for the whole line (1 s from when the server began to wait
/// for it) does: 421, and the session is over. (Both sides take turns in this one thread:
/// the server reads each piece right after it is sent, and waits only at the end.)
fn trickle_demo(opts: &Options) -> Result<()> {
    let (server, slow) = (opts.narrator("server"), opts.narrator("slow"));
    let limit = Duration::from_millis(1000);
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = listener
        .local_addr()
        .map_err(|e| server.failed("getsockname()", e))?;
    let why = "open the control connection";
    let stream = slow.call(format!("connect({addr})"), why, || TcpStream::connect(addr))?;
    let (mut to_server, mut client_pending) = (Narrated::quiet(stream, slow.clone()), Vec::new());
    let conn = accept_one(&listener, limit, &mut Backoff::new(), &server)?;
    let mut conn = Narrated::quiet(conn, server.clone());
    let greeting = Reply::new(220, "lesson-15 ready").to_bytes();
    send_all(&mut conn, &greeting, &server)?;
    expect_reply(&mut to_server, &mut client_pending, &slow)?;
    server.note("each whole line must come within 1000 ms");
    // The server's read_line, taken apart so that the pieces can be sent in between: the
    // same deadline, the same recv with the time left.
    let deadline = Instant::now() + limit;
    let (mut pending, mut buf) = (Vec::new(), [0u8; MAX_LINE]);
    for piece in ["US", "ER al", "ice"] {
        send_all(&mut to_server, piece.as_bytes(), &slow)?;
        let recv = || recv_before(&mut conn, deadline, &mut buf);
        let why = "wait for the next line";
        if let Got::Bytes(bytes) =
            server.call_then(format!("recv({MAX_LINE})"), why, recv, Got::shown)?
        {
            pending.extend_from_slice(&bytes);
        }
        slow.note("waits 0.3 s before the next piece");
        std::thread::sleep(Duration::from_millis(300));
    }
    // Still no line end: read_line waits for more, but only for what is left of the 1 s.
    let left = time_left(deadline).unwrap_or(Duration::from_millis(1));
    let (mut session, store) = (Session::new(), Mutex::new(Store::new()));
    serve_line(&mut conn, &mut pending, &mut session, &store, left, &server)?;
    close(conn, "connection", &server);
    let reply = expect_reply(&mut to_server, &mut client_pending, &slow)?;
    let note = format!("{} {}: though no recv waited 1 s", reply.code, reply.text);
    slow.note(note);
    close(to_server, "client socket", &slow);
    Ok(())
}
// ANCHOR_END: trickle_demo

/// Log in, look around, read the readme, quit.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let user: String = opts.value("--user", "alice".to_string())?;
    let pass: String = opts.value("--pass", "secret".to_string())?;
    let (mut conn, mut pending) = connect(opts.addr, &say)?;
    command(&mut conn, &mut pending, &format!("USER {user}"), &say)?;
    let reply = command(&mut conn, &mut pending, &format!("PASS {pass}"), &say)?;
    if reply.code != 230 {
        command(&mut conn, &mut pending, "QUIT", &say)?;
        return Err(say
            .protocol_error(format!("login refused: {} {}", reply.code, reply.text))
            .with_hint("the accounts are alice/secret and bob/builder"));
    }
    for line in ["PWD", "LIST", "CWD docs", "LIST", "GET readme", "QUIT"] {
        let reply = command(&mut conn, &mut pending, line, &say)?;
        println!("{line:<12} {} {}", reply.code, reply.text);
    }
    close(conn, "client socket", &say);
    Ok(())
}
