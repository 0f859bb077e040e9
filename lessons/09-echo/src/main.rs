//! Lesson 09: an echo server and client, done right.
//!
//! The notes' server.py and client.py, rewritten with every fix: bytes instead of strings,
//! lines as the unit of a message (a newline ends each one), reads that loop until a whole
//! line is in, a limit on a line's length, a deadline for each whole line and each whole echo
//! (so neither a silent client nor a slow one holds the server), an error that ends one
//! connection and not the server, an accept() that rides out passing errors, and a server that
//! serves one client after another.
//!
//! The protocol: the client sends lines, each ending in `\n`; the server sends each line back,
//! byte for byte, as soon as it is complete. When the client shuts down its sending direction,
//! the server closes the connection and takes the next client.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::error::describe;
use common::listener::{accept, time_left, Backoff};
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};

// The echo loop (the exercise) and what it works on live in src/lib.rs.
use lesson_09_echo::{echo_lines, Lines};

static LESSON: Lesson = Lesson {
    package: "lesson-09-echo",
    title: "an echo server and client, done right",
    port: 7009,
    about: "Line-framed echo: the client sends lines ending in b\"\\n\"; the server sends each\n\
            line back, byte for byte (any bytes, UTF-8 or not), and closes when the client\n\
            shuts down its sending direction. A line longer than 8192 bytes gets\n\
            b\"error: line longer than 8192 bytes\\n\" and the connection is cut; a client\n\
            that has not sent a whole line within --timeout seconds (silent or slow), or has\n\
            not taken an echo within it, is dropped. Either way the server goes on to the\n\
            next client. The client sends the lines of its standard input.\n\
            Try it with: nc 127.0.0.1 7009   (type lines; Ctrl-D ends)\n\
            or: printf 'hello\\nworld\\n' | nc -N 127.0.0.1 7009",
    flags: &[
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: exit after N clients (default: serve forever)",
        },
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "deadline for each whole line and each whole echo (default 30)",
        },
        Flag {
            name: "--slow-client",
            value: None,
            help: "demo: a client sends one byte every 400 ms, never a newline; a 1 s deadline drops it",
        },
    ],
};

/// The longest line we accept, newline included. Without a limit, one client sending bytes
/// and never a newline would make the server's buffer grow until memory runs out.
pub const MAX_LINE: usize = 8192;
/// In the demo both sides are in one process; a wait this long means a bug.
const DEMO_TIMEOUT: Duration = Duration::from_secs(3);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: timed
/// The client's socket, with a deadline. Before each recv() it sets SO_RCVTIMEO, and before
/// each send() SO_SNDTIMEO, to what is LEFT of the deadline. A timeout alone limits one call,
/// and starts again with the next: a client sending a byte every second would never trip a
/// 30 s timeout, and would keep the server for ever. A deadline limits the whole line.
pub struct Timed {
    stream: TcpStream,
    deadline: Instant,
}

impl Timed {
    /// The time left, or a "timed out" error once the deadline has passed.
    fn left(&self) -> io::Result<Duration> {
        time_left(self.deadline).ok_or_else(|| io::Error::from(ErrorKind::TimedOut))
    }
}

// After a stop and continue (Ctrl-Z, then fg), a recv() or send() with a timeout fails with
// EINTR (signal(7)). That is no news from the client: std's read_until and write_all call
// read/write again when it happens (they retry `Interrupted`), and each new call here sets
// what is left of the deadline afresh.
impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        self.stream.read(buf) // recv()
    }
}

impl Write for Timed {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        self.stream.write(bytes) // send()
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: timed

// ANCHOR: connection
/// One client's connection, as the echo loop sees it. Each method is one step on the
/// socket, narrated; the echo loop itself (your exercise) only says what to do when.
pub struct Connection {
    /// Reads from the socket in chunks of up to 8 KiB and hands them out a line at a time.
    /// (`Narrated::quiet` prints nothing: it records each recv()'s and send()'s bytes for
    /// `--trace`, which is how the tests see what really went over the connection.)
    reader: BufReader<Narrated<Timed>>,
    /// The time a whole line, or a whole echo, may take.
    limit: Duration,
    say: Narrator,
    /// The client sent a line over the limit: it gets an error line before we hang up.
    too_long: bool,
}

impl Lines for Connection {
    /// Read one line, newline included, and APPEND it to `line`. Returns the number of
    /// bytes read; 0 means end of stream (the client shut down its sending direction).
    fn read_line(&mut self, line: &mut Vec<u8>) -> Result<usize> {
        let (reader, limit, too_long) = (&mut self.reader, self.limit, &mut self.too_long);
        let read = || {
            // The whole line must be in by then, however many recv() calls it takes.
            reader.get_mut().get_mut().deadline = Instant::now() + limit;
            // `take` caps how much this one line may consume from the stream.
            let mut got = Vec::new();
            (&mut *reader)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut got)?;
            *too_long = got.len() == MAX_LINE && !got.ends_with(b"\n");
            whole_line(got, "the client")
        };
        let why = "wait until a whole line is in (recv as often as needed, until the deadline)";
        let got = self
            .say
            .call_then("read_until(b'\\n')", why, read, |got| line_read(got))
            .map_err(silent_peer)?;
        line.extend_from_slice(&got);
        Ok(got.len())
    }

    /// Send all of `bytes` to the client (write_all calls send until every byte is taken),
    /// within the deadline: a client that does not read its echoes is dropped.
    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let (socket, limit) = (self.reader.get_mut(), self.limit);
        let send_it = || {
            socket.get_mut().deadline = Instant::now() + limit;
            socket.write_all(bytes)
        };
        let why = "send it back, every byte, before the deadline";
        let shown = |_: &()| format!("{} bytes", bytes.len());
        let call = format!("write_all({})", show_bytes(bytes));
        self.say
            .call_then(call, why, send_it, shown)
            .map_err(not_reading)?;
        Ok(())
    }
}
// ANCHOR_END: connection

/// What read_until left: a whole line (with its newline), nothing (end of stream), or an
/// error: no newline within MAX_LINE bytes, or the peer (`who`) gone in the middle of a line.
fn whole_line(got: Vec<u8>, who: &str) -> io::Result<Vec<u8>> {
    if got.is_empty() || got.ends_with(b"\n") {
        return Ok(got);
    }
    if got.len() == MAX_LINE {
        let reason = format!("no newline in {MAX_LINE} bytes: the line is too long");
        return Err(io::Error::new(ErrorKind::InvalidData, reason));
    }
    let reason = format!("{who} left in the middle of a line ({})", show_bytes(&got));
    Err(io::Error::new(ErrorKind::UnexpectedEof, reason))
}

/// How a line read is shown: `6 bytes: b"hello\n"`, or `0 bytes: end of stream`.
fn line_read(got: &[u8]) -> String {
    match got.len() {
        0 => "0 bytes: end of stream".to_string(),
        n => format!("{n} bytes: {}", show_bytes(got)),
    }
}

// ANCHOR: listen
/// socket() + bind() + listen(): std's `TcpListener::bind` does all three.
fn listen_on(opts: &Options, say: &Narrator) -> Result<TcpListener> {
    let addr = opts.addr;
    let call = format!("socket() + bind({addr}) + listen()");
    let listener = say.call(call, "make the listening socket", || {
        TcpListener::bind(addr)
    })?;
    opts.ready(
        listener
            .local_addr()
            .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?,
    );
    Ok(listener)
}
// ANCHOR_END: listen

// ANCHOR: serve
/// Serve one client, from accept() to close(). Whatever goes wrong with THIS client is
/// reported and ends only this connection. accept() rides out the errors that pass (chapter
/// 4); only a listener that is not listening stops the server.
fn serve_one(
    listener: &TcpListener,
    limit: Duration,
    backoff: &mut Backoff,
    say: Narrator,
) -> Result<()> {
    let (stream, peer) = accept(listener, backoff, &say)?;

    // Neither a silent client, nor a slow one, nor one that never reads our echoes may hold
    // the server for ever: each line and each echo gets `limit`, however the client paces it.
    say.note(format!(
        "each line, and each echo, must be through within {} s",
        limit.as_secs()
    ));
    let timed = Timed {
        stream,
        deadline: Instant::now() + limit,
    };
    let mut conn = Connection {
        reader: BufReader::new(Narrated::quiet(timed, say.clone())),
        limit,
        say,
        too_long: false,
    };
    match echo_lines(&mut conn) {
        Ok(lines) => conn
            .say
            .note(format!("{peer} is done: {lines} line(s) echoed")),
        Err(err) => {
            conn.say.note(format!("dropping {peer}: {}", err.reason));
            if conn.too_long {
                // Say why before hanging up; if the client is gone already, so be it.
                let refusal = format!("error: line longer than {MAX_LINE} bytes\n");
                let _ = conn.write_all(refusal.as_bytes());
            }
        }
    }
    let Connection { reader, say, .. } = conn;
    // Closing with the client's bytes still unread (the rest of a too-long line) makes the
    // kernel send RST instead of FIN (lesson 08). The server has nothing to wait for either way.
    say.call("close(connection)", "done with this client", || {
        drop(reader);
        Ok(())
    })
}
// ANCHOR_END: serve

// ANCHOR: server
/// Serve clients one after another: forever, or `--clients N` of them.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: u64 = opts.value("--clients", 0)?;
    let limit = timeout(opts)?;
    let listener = listen_on(opts, &say)?;
    let mut backoff = Backoff::new();
    let mut served = 0;
    while clients == 0 || served < clients {
        serve_one(&listener, limit, &mut backoff, opts.narrator("server"))?;
        served += 1;
    }
    let close = || {
        drop(listener);
        Ok(())
    };
    let shown = |_: &()| format!("ok, {served} clients served");
    say.call_then("close(listener)", "stop taking clients", close, shown)?;
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client_calls
/// connect(), and the timeout that keeps a silent server from hanging us.
fn connect_to(addr: SocketAddr, limit: Duration, say: &Narrator) -> Result<TcpStream> {
    let conn = say.call(format!("connect({addr})"), "open a TCP connection", || {
        TcpStream::connect(addr)
    })?;
    let call = format!("setsockopt(SO_RCVTIMEO, {} s)", limit.as_secs());
    say.call(call, "give up on a silent server", || {
        conn.set_read_timeout(Some(limit))
    })?;
    Ok(conn)
}

/// The client's side of the connection: each recv() and send() recorded for `--trace`.
type ClientSocket<'a> = Narrated<&'a TcpStream>;

/// Reads the server's answers a line at a time.
fn line_reader<'a>(conn: &'a TcpStream, say: &Narrator) -> BufReader<ClientSocket<'a>> {
    BufReader::new(Narrated::quiet(conn, say.clone()))
}

/// Send one line, all of it.
fn send_line(conn: &TcpStream, line: &[u8], say: &Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let call = format!("write_all({})", show_bytes(line));
    let shown = |_: &()| format!("{} bytes", line.len());
    say.call_then(
        call,
        "send one line, every byte",
        || socket.write_all(line),
        shown,
    )?;
    Ok(())
}

/// Read one line of the answer (with the same limit the server keeps).
fn read_echo(reader: &mut BufReader<ClientSocket>, say: &Narrator) -> Result<Vec<u8>> {
    let read = || {
        let mut echo = Vec::new();
        reader.take(MAX_LINE as u64).read_until(b'\n', &mut echo)?;
        if !echo.ends_with(b"\n") {
            let cut = show_bytes(&echo);
            let reason = format!("the server closed before a whole line came back ({cut})");
            return Err(io::Error::new(ErrorKind::UnexpectedEof, reason));
        }
        Ok(echo)
    };
    let why = "wait for the echo, a whole line";
    say.call_then("read_until(b'\\n')", why, read, |got| line_read(got))
        .map_err(silent_peer)
}

/// We have sent everything: say so, so that the server knows it can close.
fn half_close(conn: &TcpStream, say: &Narrator) -> Result<()> {
    let why = "no more lines: the server reads end of stream";
    say.call("shutdown(Write)", why, || conn.shutdown(Shutdown::Write))
}

/// After our half-close the server should close too: expect end of stream, or the reset
/// of a server that hung up with our bytes unread.
fn read_end(reader: &mut BufReader<ClientSocket>, say: &Narrator) -> Result<()> {
    // End of stream, or the reset of a server that hung up with our bytes unread: either is
    // an outcome of this call. More bytes are an error.
    let recv = || {
        let mut rest = Vec::new();
        match reader.read_to_end(&mut rest) {
            Ok(0) => Ok(None),
            Ok(_) => {
                let reason = format!(
                    "the server sent more than we asked for: {}",
                    show_bytes(&rest)
                );
                Err(io::Error::new(ErrorKind::InvalidData, reason))
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(Some(e)),
            Err(e) => Err(e),
        }
    };
    let shown = |reset: &Option<io::Error>| match reset {
        None => "0 bytes: end of stream".to_string(),
        Some(e) => format!(
            "error: {}: the server closed with our bytes unread",
            describe(e)
        ),
    };
    let why = "wait for the server to close";
    say.call_then("recv()", why, recv, shown)
        .map_err(silent_peer)?;
    Ok(())
}

fn close(conn: TcpStream, say: &Narrator) -> Result<()> {
    say.call("close(client socket)", "done", || {
        drop(conn);
        Ok(())
    })
}
// ANCHOR_END: client_calls

// ANCHOR: client
/// Send each line of standard input, print each echo, then half-close and wait for the
/// server's close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = connect_to(opts.addr, timeout(opts)?, &say)?;
    let mut reader = line_reader(&conn, &say);
    for line in input_lines(&say) {
        send_line(&conn, &line, &say)?;
        let echo = read_echo(&mut reader, &say)?;
        println!("echo: {}", String::from_utf8_lossy(&echo).trim_end());
        if echo != line {
            return Err(say.protocol_error("the server did not send our line back"));
        }
    }
    half_close(&conn, &say)?;
    read_end(&mut reader, &say)?;
    drop(reader);
    close(conn, &say)
}

/// The lines to send: standard input, as bytes (any bytes), each ending in a newline.
/// In step mode standard input answers the pauses, so two sample lines are sent instead.
fn input_lines(say: &Narrator) -> Vec<Vec<u8>> {
    if common::narrate::step_mode() {
        say.note("step mode reads Enter from standard input: sending two sample lines");
        return vec![b"hello\n".to_vec(), b"world\n".to_vec()];
    }
    let mut input = Vec::new();
    let _ = std::io::stdin().lock().read_to_end(&mut input);
    input
        .split_inclusive(|&b| b == b'\n')
        .map(|line| {
            let mut line = line.to_vec();
            if !line.ends_with(b"\n") {
                line.push(b'\n');
            }
            line
        })
        .collect()
}
// ANCHOR_END: client

// ANCHOR: demo
/// Three clients, one after another, in one thread. Each client sends everything and
/// half-closes BEFORE the server reads: the kernel holds the bytes, so nothing waits.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--slow-client") {
        return slow_client_demo(opts);
    }
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let lesson = opts.narrator("lesson");
    let listener = listen_on(opts, &server)?;
    let mut backoff = Backoff::new();

    lesson.note("client 1: three lines, the last one not UTF-8");
    let lines: [&[u8]; 3] = [b"hello\n", b"world\n", b"caf\xc3\xa9 \xff\xfe\n"];
    let echoes = one_client(&listener, &lines, &mut backoff, opts, &client)?;
    if echoes != lines {
        return Err(client.protocol_error("the server did not send our lines back"));
    }

    lesson.note("client 2: a line longer than the limit");
    let mut long = vec![b'x'; MAX_LINE];
    long.push(b'\n');
    one_client(&listener, &[&long], &mut backoff, opts, &client)?;

    lesson.note("client 3: the server is still there");
    one_client(&listener, &[b"still there?\n"], &mut backoff, opts, &client)?;

    server.call("close(listener)", "stop taking clients", || {
        drop(listener);
        Ok(())
    })
}

/// One client of the demo: it sends its lines and half-closes, the server serves it, then the
/// client reads as many lines back as it sent, and the end of the stream, and closes.
fn one_client(
    listener: &TcpListener,
    lines: &[&[u8]],
    backoff: &mut Backoff,
    opts: &Options,
    client: &Narrator,
) -> Result<Vec<Vec<u8>>> {
    let addr = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;
    let conn = connect_to(addr, DEMO_TIMEOUT, client)?;
    for line in lines {
        send_line(&conn, line, client)?;
    }
    half_close(&conn, client)?;
    serve_one(listener, DEMO_TIMEOUT, backoff, opts.narrator("server"))?;
    let mut reader = line_reader(&conn, client);
    let mut echoes = Vec::new();
    for _ in lines {
        echoes.push(read_echo(&mut reader, client)?);
    }
    read_end(&mut reader, client)?;
    drop(reader);
    close(conn, client)?;
    Ok(echoes)
}
// ANCHOR_END: demo

// ANCHOR: slow_client
/// `--slow-client`: client 1 sends `hello`, then one byte every 400 ms, never a newline, from
/// a thread of its own. Every byte comes long before a 1 s timeout per recv() would fire;
/// the 1 s deadline for the whole line drops the client, and client 2 is served.
fn slow_client_demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let lesson = opts.narrator("lesson");
    let limit = Duration::from_secs(1);
    let listener = listen_on(opts, &server)?;
    let addr = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;
    let mut backoff = Backoff::new();

    lesson.note("client 1: b\"hello\", then one byte every 400 ms, never a newline");
    let slow = connect_to(addr, DEMO_TIMEOUT, &client)?;
    let mut socket = Narrated::quiet(&slow, client.clone());
    let start = || socket.write_all(b"hello");
    client.call_then(
        "write_all(b\"hello\")",
        "the start of a line",
        start,
        |_| "5 bytes".to_string(),
    )?;
    let mut dripping = slow
        .try_clone()
        .map_err(|e| LessonError::io("try_clone()", e, LESSON.package))?;
    let drip = std::thread::spawn(move || {
        // Wait 400 ms for an echo; when none comes, send one more byte. When the server hangs
        // up, recv() returns 0 (end of stream), or an error, and the thread ends.
        let _ = dripping.set_read_timeout(Some(Duration::from_millis(400)));
        let mut buf = [0u8; 64];
        for _ in 0..20 {
            match dripping.read(&mut buf) {
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if dripping.write_all(b".").is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
    });
    serve_one(&listener, limit, &mut backoff, opts.narrator("server"))?;
    drop(slow);
    let _ = drip.join();

    lesson.note("client 2: the server is still there");
    let conn = connect_to(addr, DEMO_TIMEOUT, &client)?;
    send_line(&conn, b"still there?\n", &client)?;
    half_close(&conn, &client)?;
    serve_one(&listener, limit, &mut backoff, opts.narrator("server"))?;
    let mut reader = line_reader(&conn, &client);
    read_echo(&mut reader, &client)?;
    read_end(&mut reader, &client)?;
    drop(reader);
    close(conn, &client)?;

    server.call("close(listener)", "stop taking clients", || {
        drop(listener);
        Ok(())
    })
}
// ANCHOR_END: slow_client

/// `--timeout SECS` for the server and the client.
fn timeout(opts: &Options) -> Result<Duration> {
    Ok(Duration::from_secs(opts.value("--timeout", 30u64)?.max(1)))
}

/// A read that timed out: say plainly that the peer was too slow or silent.
fn silent_peer(err: LessonError) -> LessonError {
    match err.kind() {
        Some(ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            err.with_hint("no whole line in time (see --timeout)")
        }
        _ => err,
    }
}

/// A write that timed out: the peer does not read what we send.
fn not_reading(err: LessonError) -> LessonError {
    match err.kind() {
        Some(ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            err.with_hint("the peer did not take the echo in time (see --timeout)")
        }
        _ => err,
    }
}
