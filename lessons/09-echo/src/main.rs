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
use lesson_09_echo::{echo_lines, refusal, Client};

static LESSON: Lesson = Lesson {
    package: "lesson-09-echo",
    title: "an echo server and client, done right",
    port: 7009,
    about: "Line-framed echo: the client sends lines ending in b\"\\n\"; the server sends each\n\
            line back, byte for byte (any bytes, UTF-8 or not), and closes when the client\n\
            shuts down its sending direction. A line longer than --max-line bytes gets\n\
            b\"error: line longer than N bytes\\n\" instead, its rest is read and dropped\n\
            (never kept), and echoing goes on with the next line. A client that has not sent\n\
            a whole line within --timeout seconds (silent or slow), or has not taken an echo\n\
            within it, is dropped, and the server goes on to the next client.\n\
            The client sends the lines of its standard input.\n\
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
            name: "--max-line",
            value: Some("BYTES"),
            help: "server: the longest line echoed, newline included (default 8192, at most 1 MiB)",
        },
        Flag {
            name: "--slow-client",
            value: None,
            help: "demo: a client sends one byte every 600 ms, never a newline; a 1 s deadline drops it",
        },
    ],
};

/// The longest line echoed, newline included, unless --max-line says otherwise. Without a
/// limit, one client sending bytes and never a newline would make the server's buffer grow
/// until memory runs out.
pub const MAX_LINE: usize = 8192;
/// The most `--max-line` may say: each connection may hold a line this long, so a limit of
/// terabytes would be no limit (and the first client would abort the server: memory
/// allocation failed).
const MAX_LINE_MOST: usize = 1 << 20;
/// In the demo both sides are in one process; a wait this long means a bug.
const DEMO_TIMEOUT: Duration = Duration::from_secs(3);
/// What the demo's server allows each client.
const DEMO: Limits = Limits {
    time: DEMO_TIMEOUT,
    line: MAX_LINE,
};
/// `--slow-client`: a whole line must be in within one second.
const SLOW_DEMO: Limits = Limits {
    time: Duration::from_secs(1),
    line: MAX_LINE,
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: timed
/// The client's socket, with deadlines. Before each recv() it sets SO_RCVTIMEO to what is
/// LEFT until `read_by`, and before each send() SO_SNDTIMEO to what is left until
/// `write_by`. A timeout alone limits one call, and starts again with the next: a client
/// sending a byte every second would never trip a 30 s timeout, and would keep the server
/// for ever. A deadline limits the whole line.
pub struct Timed {
    stream: TcpStream,
    /// The line being read must be in by then, however many recv() calls it takes.
    read_by: Instant,
    /// The echo being sent must be taken by then, however many send() calls it takes.
    write_by: Instant,
}

/// The time left until `deadline`, or a "timed out" error once it has passed.
fn left(deadline: Instant) -> io::Result<Duration> {
    time_left(deadline).ok_or_else(|| io::Error::from(ErrorKind::TimedOut))
}

// After a stop and continue (Ctrl-Z, then fg), a recv() or send() with a timeout fails with
// EINTR (signal(7)). That is no news from the client: std's read_until, skip_until and
// write_all call read/write again when it happens (they retry `Interrupted`), and each new
// call here sets what is left of the deadline afresh.
impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(left(self.read_by)?))?;
        self.stream.read(buf) // recv()
    }
}

impl Write for Timed {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.stream.set_write_timeout(Some(left(self.write_by)?))?;
        self.stream.write(bytes) // send()
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: timed

// ANCHOR: connection
/// One client's connection, as the echo loop sees it (the `Client` trait): a `BufReader` over
/// the socket, which receives up to 8 KiB at a time, with each recv() and send() narrated.
/// The deadlines live here, so the echo loop (your exercise) need not know about them: each
/// line gets `limit` from the moment the loop starts reading it, each echo `limit` of its own.
pub struct Connection {
    /// (`Narrated::quiet` prints nothing: it records each recv()'s and send()'s bytes for
    /// `--trace`, which is how the tests see what really went over the connection.)
    reader: BufReader<Narrated<Timed>>,
    limit: Duration,
    say: Narrator,
    /// The next byte read starts a line: the line's deadline starts then.
    line_starts: bool,
}

impl BufRead for Connection {
    /// What has arrived and not been consumed yet; when nothing is left, one recv() for more.
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.line_starts {
            self.line_starts = false;
            self.reader.get_mut().get_mut().read_by = Instant::now() + self.limit;
        }
        if self.reader.buffer().is_empty() {
            let (reader, say) = (&mut self.reader, &self.say);
            let recv = || reader.fill_buf().map(<[u8]>::to_vec);
            let why = "wait for more bytes (the line's deadline holds)";
            let got = say
                .call_then("recv(8192)", why, recv, |got| line_read(got))
                .map_err(back_to_io)?;
            if got.is_empty() {
                return Ok(&[]); // end of stream
            }
        }
        self.reader.fill_buf() // what the recv() above brought in: no new call
    }

    /// Mark `n` bytes as used. Past a newline, the next line starts.
    fn consume(&mut self, n: usize) {
        let buffered = self.reader.buffer();
        if buffered[..n.min(buffered.len())].contains(&b'\n') {
            self.line_starts = true;
        }
        self.reader.consume(n);
    }
}

impl Read for Connection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let arrived = self.fill_buf()?;
        let n = arrived.len().min(buf.len());
        buf[..n].copy_from_slice(&arrived[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl Client for Connection {
    /// Send all of `bytes` to the client (write_all calls send until every byte is taken),
    /// within the deadline: a client that does not read its echoes is dropped.
    fn send_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let (socket, limit) = (self.reader.get_mut(), self.limit);
        let send_it = || {
            socket.get_mut().write_by = Instant::now() + limit;
            socket.write_all(bytes)
        };
        let why = "send it back, every byte, before the deadline";
        let shown = |_: &()| format!("{} bytes", bytes.len());
        let call = format!("write_all({})", show_bytes(bytes));
        self.say
            .call_then(call, why, send_it, shown)
            .map_err(back_to_io)
    }
}
// ANCHOR_END: connection

/// The narrator has shown and recorded the error; the echo loop gets the io::Error back.
fn back_to_io(err: LessonError) -> io::Error {
    err.source.unwrap_or_else(|| io::Error::other(err.reason))
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
/// What the server allows each client: the time for each line and each echo, and the
/// longest line it echoes (newline included).
#[derive(Clone, Copy)]
struct Limits {
    time: Duration,
    line: usize,
}

/// Serve one client, from accept() to close(). Whatever goes wrong with THIS client is
/// reported and ends only this connection. accept() rides out the errors that pass (chapter
/// 4); only a listener that is not listening stops the server.
fn serve_one(
    listener: &TcpListener,
    limits: Limits,
    backoff: &mut Backoff,
    say: Narrator,
) -> Result<()> {
    let (stream, peer) = accept(listener, backoff, &say)?;

    // Neither a silent client, nor a slow one, nor one that never reads our echoes may hold
    // the server for ever: each line and each echo gets `limit`, however the client paces it.
    say.note(format!(
        "each line, and each echo, must be through within {} s",
        limits.time.as_secs()
    ));
    let now = Instant::now();
    let timed = Timed {
        stream,
        read_by: now + limits.time,
        write_by: now + limits.time,
    };
    let mut conn = Connection {
        reader: BufReader::new(Narrated::quiet(timed, say.clone())),
        limit: limits.time,
        say: say.clone(),
        line_starts: true,
    };
    match echo_lines(&mut conn, limits.line) {
        Ok(done) => say.note(format!(
            "{peer} is done: {} line(s) echoed, {} refused",
            done.echoed, done.refused
        )),
        Err(err) => say.note(format!("dropping {peer}: {}", why_dropped(&err))),
    }
    // Closing with the client's bytes still unread (after an error) makes the kernel send
    // RST instead of FIN (lesson 08). The server has nothing to wait for either way.
    say.call("close(connection)", "done with this client", || {
        drop(conn);
        Ok(())
    })
}

/// Why a connection ended early, in words.
fn why_dropped(err: &io::Error) -> String {
    match err.kind() {
        ErrorKind::UnexpectedEof => "the client left in the middle of a line".to_string(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            "no whole line, or no echo taken, within the deadline (see --timeout)".to_string()
        }
        _ => describe(err),
    }
}
// ANCHOR_END: serve

// ANCHOR: server
/// Serve clients one after another: forever, or `--clients N` of them.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: u64 = opts.value("--clients", 0)?;
    let limits = limits(opts)?;
    let listener = listen_on(opts, &say)?;
    let mut backoff = Backoff::new();
    let mut served = 0;
    while clients == 0 || served < clients {
        serve_one(&listener, limits, &mut backoff, opts.narrator("server"))?;
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

    lesson.note("client 2: a line longer than the limit, then a short one");
    let mut long = vec![b'x'; MAX_LINE];
    long.push(b'\n');
    let lines: [&[u8]; 2] = [&long, b"and after it\n"];
    let echoes = one_client(&listener, &lines, &mut backoff, opts, &client)?;
    if echoes != [refusal(MAX_LINE).as_bytes(), lines[1]] {
        return Err(client.protocol_error("the server did not refuse the long line alone"));
    }

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
    serve_one(listener, DEMO, backoff, opts.narrator("server"))?;
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
/// `--slow-client`: client 1 sends `hello`, then one byte every 600 ms, never a newline, from
/// a thread of its own. Every byte comes long before a 1 s timeout per recv() would fire;
/// the 1 s deadline for the whole line drops the client, and client 2 is served.
fn slow_client_demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let lesson = opts.narrator("lesson");
    let listener = listen_on(opts, &server)?;
    let addr = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;
    let mut backoff = Backoff::new();

    lesson.note("client 1: b\"hello\", then one byte every 600 ms, never a newline");
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
        // Wait 600 ms for an echo; when none comes, send one more byte. When the server hangs
        // up, recv() returns 0 (end of stream), or an error, and the thread ends.
        let _ = dripping.set_read_timeout(Some(Duration::from_millis(600)));
        let mut buf = [0u8; 64];
        for _ in 0..14 {
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
    serve_one(&listener, SLOW_DEMO, &mut backoff, opts.narrator("server"))?;
    drop(slow);
    let _ = drip.join();

    lesson.note("client 2: the server is still there");
    let conn = connect_to(addr, DEMO_TIMEOUT, &client)?;
    send_line(&conn, b"still there?\n", &client)?;
    half_close(&conn, &client)?;
    serve_one(&listener, SLOW_DEMO, &mut backoff, opts.narrator("server"))?;
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

/// `--timeout SECS` and `--max-line BYTES`, for the server.
fn limits(opts: &Options) -> Result<Limits> {
    let line: usize = opts.value("--max-line", MAX_LINE)?;
    if line == 0 {
        let reason = "--max-line 0: a line has at least its newline; give 1 or more";
        return Err(LessonError::protocol("command line", reason));
    }
    if line > MAX_LINE_MOST {
        let reason = format!("--max-line {line}: at most {MAX_LINE_MOST} (1 MiB per client)");
        return Err(LessonError::protocol("command line", reason));
    }
    Ok(Limits {
        time: timeout(opts)?,
        line,
    })
}

/// `--timeout SECS` for the server and the client.
fn timeout(opts: &Options) -> Result<Duration> {
    Ok(opts.seconds("--timeout", 30)?.max(Duration::from_secs(1)))
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
