//! Lesson 08: `close()` and `shutdown()`: how a TCP connection ends.
//!
//! A TCP connection carries two streams of bytes, one each way, and each ends on its own:
//! a side that has nothing more to send sends FIN, and the other side's `recv()` returns 0.
//! `shutdown(Write)` ends only our sending direction (a *half-close*); `close()` — in Rust,
//! dropping the stream — gives the whole socket back to the kernel.
//!
//! The exchange: the client sends `one\ntwo\nthree\n` and shuts down writing; the server reads
//! until end of stream, answers with the lines last first (`three\ntwo\none\n`), shuts down
//! its sending direction, waits for the client's end of stream (the lingering close, the
//! exercise's `finish`: here it is there already) and closes;
//! the client reads the answer to its end and closes. The demo then shows what happens when a
//! socket is closed with bytes still unread: Linux sends RST instead of FIN.
//!
//! A server that reads to the end of stream must not trust the client to get there: the
//! whole request has a deadline and a size limit, the answer a time limit, and a client's
//! error ends that client only. `--rude` adds a part 3, a client that never half-closes.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::error::describe;
use common::narrate::Shown;
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use lesson_08_close::{finish, Closing, Ending, Linger};

static LESSON: Lesson = Lesson {
    package: "lesson-08-close",
    title: "close() and shutdown(): FIN, half-close, RST and TIME_WAIT",
    port: 7008,
    about: "The client sends b\"one\\ntwo\\nthree\\n\" and then shuts down its sending direction\n\
            (FIN). The server reads until end of stream (recv returns 0), answers with the\n\
            lines last first, b\"three\\ntwo\\none\\n\", and closes. The client reads the answer\n\
            until end of stream and closes; its socket stays in TIME_WAIT for a minute.\n\
            The server serves --clients clients (default 1), then exits; a client that\n\
            misbehaves is reported and closed, and the server goes on. Try it with:\n    \
            printf 'one\\ntwo\\nthree\\n' | nc -N 127.0.0.1 7008\n\
            (-N makes OpenBSD nc shut down writing at the end of its input, as our client does;\n\
            without it the server waits for the end of the request until --timeout).",
    flags: &[
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "server: the whole request must arrive, and the whole answer be sent, within SECS each; client: how long each recv() waits (default 10)",
        },
        Flag {
            name: "--rude",
            value: None,
            help: "demo: a part 3, a client that never half-closes: the server gives up after 1 s and says why",
        },
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: how many clients to serve before it exits (default 1; 0: until stopped)",
        },
    ],
};

/// What our client sends: three lines.
const REQUEST: &[u8] = b"one\ntwo\nthree\n";
/// A request longer than this is refused: the server keeps it all in memory.
const MAX_REQUEST: usize = 64 * 1024;
/// How long the server waits for the request of part 3's client (--rude).
const RUDE_LIMIT: Duration = Duration::from_secs(1);
/// In the demo both sides are in one process; a wait this long means a bug.
const DEMO_TIMEOUT: Duration = Duration::from_secs(3);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: setup
/// The server's socket: std's `TcpListener::bind` is socket() + bind() + listen().
fn listen_on(opts: &Options, say: &Narrator) -> Result<TcpListener> {
    let addr = opts.addr;
    let call = format!("socket() + bind({addr}) + listen()");
    let why = "make the listening socket (std does all three in TcpListener::bind)";
    let listener = say.call_opening(call, why, || TcpListener::bind(addr), Shown::shown)?;
    opts.ready(
        listener
            .local_addr()
            .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?,
    );
    Ok(listener)
}

/// The client's socket: `TcpStream::connect` is socket() + connect().
fn connect_to(addr: SocketAddr, say: &Narrator) -> Result<TcpStream> {
    let call = format!("connect({addr})");
    say.call_opening(
        call,
        "open a TCP connection",
        || TcpStream::connect(addr),
        Shown::shown,
    )
}

/// The next connection from the accept queue. accept(2) fails for reasons that are not the
/// server's end: a connection reset while it waited (`ECONNABORTED`) or a signal (`EINTR`):
/// take the next one; no descriptor or memory left (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`):
/// wait, longer each time (up to 1 s), and try again. Only `EINVAL` (not listening: a bug)
/// stops the server.
fn accept_one(listener: &TcpListener, say: &Narrator) -> Result<TcpStream> {
    let mut pause = Duration::from_millis(10);
    let why = "take the next connection from the accept queue";
    let the_client = |conn: &TcpStream| match conn.peer_addr() {
        Ok(peer) => format!("ok, the client is {peer}"),
        Err(_) => "ok".to_string(),
    };
    loop {
        let taken = say.call_opening(
            "accept()",
            why,
            || listener.accept().map(|(c, _)| c),
            the_client,
        );
        // accept() failed: the narrator has reported it; what next depends on why.
        let err = match taken {
            Ok(conn) => return Ok(conn),
            Err(err) => err,
        };
        match err.kind() {
            Some(ErrorKind::InvalidInput) => return Err(err),
            Some(ErrorKind::ConnectionAborted | ErrorKind::Interrupted) => {}
            _ => {
                say.note(format!("trying again in {} ms", pause.as_millis()));
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// A peer that never ends its stream must not hang us: recv() gives up after `limit`.
fn set_timeout(conn: &TcpStream, limit: Duration, say: &Narrator) -> Result<()> {
    let call = format!("setsockopt(SO_RCVTIMEO, {} s)", limit.as_secs());
    let why = "let recv() give up if the peer goes silent";
    say.call(call, why, || conn.set_read_timeout(Some(limit)))
}
// ANCHOR_END: setup

// ANCHOR: ask
/// The client's half of the exchange: the request, then the half-close, which is how the
/// server can tell that the request is complete.
fn ask(conn: &TcpStream, say: &Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let call = format!("write_all({})", show_bytes(REQUEST));
    let sent = |_: &()| format!("{} bytes", REQUEST.len());
    say.call_then(call, "send the request", || socket.write_all(REQUEST), sent)?;
    let why = "FIN: we will send nothing more, but we still listen";
    say.call_with(
        conn,
        "shutdown(Write)",
        why,
        || conn.shutdown(Shutdown::Write),
        Shown::shown,
    )?;
    // Only our sending direction has ended: `conn` still reads the answer.
    Ok(())
}

/// Read the answer to its end: recv() until it returns 0, the server's FIN. A reset is an
/// error (`?`), not a shorter answer.
fn hear(conn: &TcpStream, say: &Narrator) -> Result<Vec<u8>> {
    let call = "recv() until it returns 0";
    let why = "read the whole answer, up to the server's FIN";
    let shown = |answer: &Vec<u8>| {
        let bytes = show_bytes(answer);
        format!("{} bytes: {bytes}, then end of stream", answer.len())
    };
    let read = || {
        let mut answer = Vec::new();
        (&*conn).read_to_end(&mut answer).map(|_| answer)
    };
    let answer = say
        .call_then(call, why, read, shown)
        .map_err(silent_server)?;
    say.moved(Kind::Recv, "recv", &answer);
    Ok(answer)
}
// ANCHOR_END: ask

// ANCHOR: read_request
/// The server reads the request until end of stream: recv() returns 0 once the client's
/// FIN has arrived and every byte before it has been read. Only then is the request whole.
///
/// A client may also never end its stream, or send without end, or a byte now and then: so
/// the whole request must arrive before a deadline (before each recv(), the receive timeout
/// is set to the time LEFT), and the limit is checked before the bytes are kept.
fn read_request(conn: &TcpStream, limit: Duration, say: &Narrator) -> Result<Vec<u8>> {
    // The bytes each recv() brings are recorded in the trace by the quiet adapter.
    let mut socket = Narrated::quiet(Deadline::after(conn, limit), say.clone());
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    let why = "wait for bytes, or for the end of the stream";
    loop {
        let recv = || socket.read(&mut buf).map(|n| buf[..n].to_vec());
        let bytes = say
            .call_then("recv(1024)", why, recv, |bytes| got(bytes))
            .map_err(silent_client)?;
        if bytes.is_empty() {
            return Ok(request);
        }
        if request.len() + bytes.len() > MAX_REQUEST {
            return Err(say.protocol_error(format!(
                "the request is longer than {MAX_REQUEST} bytes; refusing it"
            )));
        }
        request.extend_from_slice(&bytes);
    }
}

/// What a recv() of the request brought.
fn got(bytes: &[u8]) -> String {
    match bytes.len() {
        0 => "0 bytes: end of stream, the request is complete".to_string(),
        n => format!("{n} bytes: {}", show_bytes(bytes)),
    }
}

/// The answer: the request's lines, last first. It needs the whole request, so the server
/// cannot start before the end of stream.
fn answer_for(request: &[u8]) -> Vec<u8> {
    let mut answer = Vec::new();
    for line in request.split_inclusive(|&b| b == b'\n').rev() {
        answer.extend_from_slice(line.strip_suffix(b"\n").unwrap_or(line));
        answer.push(b'\n');
    }
    answer
}

/// The client has shut down ITS direction; ours still works: the server can still send.
/// Within a time limit: a client that never reads would otherwise hold us here for ever.
fn send_answer(conn: &TcpStream, answer: &[u8], limit: Duration, say: &Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(Deadline::after(conn, limit), say.clone());
    let call = format!("write_all({})", show_bytes(answer));
    let why = "answer: the client's half-close did not close our direction";
    let sent = |_: &()| format!("{} bytes", answer.len());
    say.call_then(call, why, || socket.write_all(answer), sent)
}

/// A connection with a deadline: each recv() and send() may wait only for the time LEFT
/// (the socket's timeout is set to it before each call), so a client that sends or reads a
/// byte now and then cannot stretch the exchange for ever.
struct Deadline<'a> {
    conn: &'a TcpStream,
    deadline: Instant,
}

impl<'a> Deadline<'a> {
    fn after(conn: &'a TcpStream, limit: Duration) -> Self {
        let deadline = Instant::now() + limit;
        Deadline { conn, deadline }
    }

    /// The time left, or `TimedOut` once it has passed (a zero timeout would mean "wait for
    /// ever" to the kernel).
    fn left(&self) -> std::io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match left.is_zero() {
            true => Err(ErrorKind::TimedOut.into()),
            false => Ok(left),
        }
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            self.conn.set_read_timeout(Some(self.left()?))?;
            match (&mut self.conn).read(buf) {
                // A signal interrupted the wait (not restarted with a timeout set, signal(7)).
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                result => return result,
            }
        }
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.conn.set_write_timeout(Some(self.left()?))?;
        (&mut self.conn).write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: read_request

// ANCHOR: linger
/// The lesson's `Closing`: each call the exercise's `finish` makes, narrated. An error goes
/// back to `finish` as the `io::Error` it is: `finish` decides what it means.
struct Lingering<'a> {
    conn: &'a TcpStream,
    say: &'a Narrator,
}

impl Closing for Lingering<'_> {
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        let (conn, call) = (self.conn, format!("shutdown({how:?})"));
        let why = match how {
            Shutdown::Write => "FIN after the answer: it is complete; we still read",
            _ => "stop receiving as well",
        };
        self.say
            .call(call, why, || conn.shutdown(how))
            .map_err(os_error)
    }

    fn set_read_timeout(&mut self, limit: Duration) -> io::Result<()> {
        let (conn, call) = (self.conn, "setsockopt(SO_RCVTIMEO, the time left)");
        let why = "wait for the client no longer than the deadline";
        let set = || conn.set_read_timeout(Some(limit));
        self.say.call(call, why, set).map_err(os_error)
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The quiet adapter records the bytes in the trace.
        let mut socket = Narrated::quiet(self.conn, self.say.clone());
        let why = "read and throw away what the client still sends, up to its end of stream";
        let drained = |n: &usize| match n {
            0 => "0 bytes: end of stream, the client has closed its side".to_string(),
            n => format!("{n} bytes, thrown away"),
        };
        let recv = || socket.read(buf);
        self.say
            .call_then("recv()", why, recv, drained)
            .map_err(os_error)
    }
}

fn os_error(err: LessonError) -> io::Error {
    err.source.unwrap_or_else(|| io::Error::other(err.reason))
}

/// After the answer, the lingering close (your exercise), then how the client ended.
fn linger(conn: &TcpStream, limit: Duration, say: &Narrator) -> Result<()> {
    let limits = Linger {
        deadline: limit,
        max_discard: MAX_REQUEST,
    };
    let ending = finish(Lingering { conn, say }, limits)
        .map_err(|e| LessonError::io("finish", e, LESSON.package))?;
    say.note(match ending {
        Ending::Closed { discarded } => {
            format!("the client closed its side; {discarded} bytes read and thrown away")
        }
        Ending::TimedOut { discarded } => {
            format!("the client did not close its side in time; {discarded} bytes thrown away")
        }
        Ending::TooMuch { discarded } => {
            format!("the client sent more than {discarded} bytes after its request: enough")
        }
        Ending::Reset { discarded } => {
            format!("the client reset the connection; {discarded} bytes thrown away")
        }
    });
    Ok(())
}
// ANCHOR_END: linger

// ANCHOR: close
/// A connection's two addresses, noted while it is connected: once both FINs have passed,
/// the kernel no longer reports the peer's address (getpeername fails with ENOTCONN), even
/// though the socket is still open — but we still want to look the connection up.
type Ends = (SocketAddr, Option<SocketAddr>);

fn ends(conn: &TcpStream) -> Ends {
    let local = conn
        .local_addr()
        .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
    (local, conn.peer_addr().ok())
}

/// Close a connection: in Rust, drop the stream. The kernel sends FIN — unless bytes we
/// never read are still waiting, then it sends RST — and keeps delivering what we sent.
fn close(conn: TcpStream, (local, peer): Ends, name: &str, say: &Narrator) -> Result<()> {
    let call = format!("close({name})");
    say.call(call, "give the socket back to the kernel", || {
        drop(conn);
        Ok(())
    })?;
    // The socket is gone from our program; the kernel may still hold the connection.
    say.kernel_at(local, peer);
    Ok(())
}

fn close_listener(listener: TcpListener, say: &Narrator) -> Result<()> {
    say.call("close(listener)", "stop accepting connections", || {
        drop(listener);
        Ok(())
    })
}
// ANCHOR_END: close

// ANCHOR: reset
/// After the server closed with our bytes unread, its kernel answered with RST: the
/// connection is gone at once, and our next recv() reports the reset.
fn recv_after_reset(conn: &TcpStream, say: &Narrator) -> Result<()> {
    let why = "is there an answer, or an end of stream?";
    let outcome = say.call_then("recv(1024)", why, || recv_or_reset(conn), after_close)?;
    if let Ok(bytes) = &outcome {
        say.moved(Kind::Recv, "recv", bytes);
    }
    Ok(())
}

/// One recv(), where a reset is an answer too (the one this part expects), not a failure.
fn recv_or_reset(mut conn: &TcpStream) -> std::io::Result<std::io::Result<Vec<u8>>> {
    let mut buf = [0u8; 1024];
    match conn.read(&mut buf) {
        Ok(n) => Ok(Ok(buf[..n].to_vec())),
        Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(Err(e)),
        Err(e) => Err(e),
    }
}

fn after_close(outcome: &std::io::Result<Vec<u8>>) -> String {
    match outcome {
        Ok(bytes) if bytes.is_empty() => "0 bytes: end of stream (a FIN, not a reset)".into(),
        Ok(bytes) => format!("{} bytes: {}", bytes.len(), show_bytes(bytes)),
        Err(e) => format!("error: {}: the server's kernel sent RST", describe(e)),
    }
}

/// write_all: send() until every byte is with the kernel (recorded in the trace).
fn send_all(conn: &TcpStream, bytes: &[u8], why: &str, say: &Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let call = format!("write_all({})", show_bytes(bytes));
    let sent = |_: &()| format!("{} bytes", bytes.len());
    say.call_then(call, why, || socket.write_all(bytes), sent)
}
// ANCHOR_END: reset

/// A recv() that timed out on the server: the client never said that it had finished.
fn silent_client(err: LessonError) -> LessonError {
    match err.kind() {
        Some(ErrorKind::WouldBlock | ErrorKind::TimedOut) => err.with_hint(
            "the client sent no end of stream; a client must shut down its sending direction \
             (shutdown(Write)) after the request, or the server cannot know it is complete",
        ),
        _ => err,
    }
}

/// A recv() that timed out on the client: the server never finished its answer.
fn silent_server(err: LessonError) -> LessonError {
    match err.kind() {
        Some(ErrorKind::WouldBlock | ErrorKind::TimedOut) => err.with_hint(
            "the server sent no end of stream; it answers only after it has read OUR end of \
             stream: did the client shut down its sending direction?",
        ),
        _ => err,
    }
}

// ANCHOR: demo
/// Both sides in one process, one call at a time, so that we can look at both sockets in
/// the kernel between the calls.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let lesson = opts.narrator("lesson");

    lesson.note("part 1: the client half-closes, the server answers, both close");
    let listener = listen_on(opts, &server)?;
    let addr = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;
    let to_server = connect_to(addr, &client)?;
    let to_client = accept_one(&listener, &server)?;
    let (client_ends, server_ends) = (ends(&to_server), ends(&to_client));
    set_timeout(&to_server, DEMO_TIMEOUT, &client)?;

    ask(&to_server, &client)?;
    // The client's FIN is in: the request and the end of stream wait in the server's kernel.
    server.kernel(&to_client);
    let request = read_request(&to_client, DEMO_TIMEOUT, &server)?;
    send_answer(&to_client, &answer_for(&request), DEMO_TIMEOUT, &server)?;
    // FIN, then wait for the client's: it is here already (the client half-closed first).
    linger(&to_client, DEMO_TIMEOUT, &server)?;
    // The server closes before the client has read a byte of the answer: nothing is lost.
    close(to_client, server_ends, "connection", &server)?;
    // Both FINs are through: the client's socket is in TIME_WAIT though it is still open.
    client.kernel(&client_ends);
    hear(&to_server, &client)?;
    close(to_server, client_ends, "client socket", &client)?;

    lesson.note("part 2: the server closes with bytes it never read");
    let to_server = connect_to(addr, &client)?;
    let to_client = accept_one(&listener, &server)?;
    let (client_ends, server_ends) = (ends(&to_server), ends(&to_client));
    let unread = "send bytes the server will never read";
    send_all(&to_server, b"nobody reads this\n", unread, &client)?;
    server.kernel(&to_client);
    close(to_client, server_ends, "connection, unread bytes", &server)?;
    // The RST ended the connection at once: no FIN_WAIT, no TIME_WAIT on either side.
    client.kernel(&client_ends);
    recv_after_reset(&to_server, &client)?;
    close(to_server, client_ends, "client socket", &client)?;
    if opts.has("--rude") {
        forgets_the_half_close(&listener, addr, opts)?;
    }
    close_listener(listener, &server)?;
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: rude
/// Part 3 (--rude): a client that sends its request and never shuts down writing — the
/// exercise's classic mistake. The server's deadline ends the wait; it says why, closes, and
/// would go on with the next client. The client reads an end of stream and no answer.
fn forgets_the_half_close(listener: &TcpListener, addr: SocketAddr, opts: &Options) -> Result<()> {
    let (server, client) = (opts.narrator("server"), opts.narrator("client"));
    opts.narrator("lesson").note(format!(
        "part 3: a client that never half-closes; the server waits {} s at most",
        RUDE_LIMIT.as_secs()
    ));
    let to_server = connect_to(addr, &client)?;
    let to_client = accept_one(listener, &server)?;
    let (client_ends, server_ends) = (ends(&to_server), ends(&to_client));
    set_timeout(&to_server, DEMO_TIMEOUT, &client)?;
    let forgets = "send the request, and forget the half-close";
    send_all(&to_server, b"one\n", forgets, &client)?;
    if let Err(e) = serve(&to_client, server_ends, RUDE_LIMIT, &server) {
        server.note(format!("{e}; closing its connection"));
    }
    close(to_client, server_ends, "connection", &server)?;
    hear(&to_server, &client)?;
    close(to_server, client_ends, "client socket", &client)?;
    Ok(())
}
// ANCHOR_END: rude

/// `--timeout SECS` for the server and the client.
fn timeout(opts: &Options) -> Result<Duration> {
    let limit = opts.seconds("--timeout", 10)?.max(Duration::from_secs(1));
    // In step mode you are the clock: every pause before a call would eat into the deadline.
    match common::narrate::step_mode() {
        true => Ok(limit.max(Duration::from_secs(600))),
        false => Ok(limit),
    }
}

// ANCHOR: server
/// Serve --clients clients, one after the other: read each request to its end, answer,
/// close. A client that misbehaves is reported and closed; the server goes on.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limit = timeout(opts)?;
    let clients = opts.value("--clients", 1usize)?;
    let listener = listen_on(opts, &say)?;
    let mut served = 0;
    while clients == 0 || served < clients {
        let conn = accept_one(&listener, &say)?;
        let conn_ends = ends(&conn);
        match serve(&conn, conn_ends, limit, &say) {
            Ok(()) => served += 1,
            // NOT `?`: one client's trouble must not end the server for everyone else.
            Err(e) => say.note(format!(
                "{}: {}; closing its connection",
                conn_ends.1.map_or("?".to_string(), |p| p.to_string()),
                e.reason
            )),
        }
        close(conn, conn_ends, "connection", &say)?;
    }
    close_listener(listener, &say)?;
    Ok(())
}

/// One client: its whole request, the answer, then the lingering close.
fn serve(conn: &TcpStream, conn_ends: Ends, limit: Duration, say: &Narrator) -> Result<()> {
    let request = read_request(conn, limit, say)?;
    // We have read the end of stream; our side waits in CLOSE_WAIT until we close.
    say.kernel(&conn_ends);
    send_answer(conn, &answer_for(&request), limit, say)?;
    linger(conn, limit, say)
}
// ANCHOR_END: server

// ANCHOR: client
/// Send the request, half-close, read the answer to its end, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let limit = timeout(opts)?;
    let conn = connect_to(opts.addr, &say)?;
    let conn_ends = ends(&conn);
    set_timeout(&conn, limit, &say)?;
    ask(&conn, &say)?;
    let answer = hear(&conn, &say)?;
    if answer.is_empty() {
        return Err(say.protocol_error(
            "the server closed without an answer; it answers only after our end of stream \
             (did we shut down writing?), see its own error",
        ));
    }
    for line in String::from_utf8_lossy(&answer).lines() {
        println!("answer: {line}");
    }
    // We sent the first FIN, so our side is the one that waits in TIME_WAIT.
    close(conn, conn_ends, "client socket", &say)?;
    Ok(())
}
// ANCHOR_END: client
