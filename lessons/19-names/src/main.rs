//! Lesson 19: names and addresses.
//!
//! A program is given a name (`localhost`, `example.com`), but `connect()` takes an address.
//! getaddrinfo(3) turns the one into the other, and a name may have SEVERAL addresses: on most
//! machines `localhost` is both `::1` and `127.0.0.1`, ranked by RFC 6724 (`::1` first). A
//! server listens on one of them; a client that tries only the first is refused where another
//! would have answered. So a client tries each in turn (the exercise), or races them with
//! Happy Eyeballs (RFC 8305): attempts 250 ms apart, the first to connect wins, the others are
//! cancelled.
//!
//! The protocol, once connected: the client sends one line, the server sends it back.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::error::describe;
use common::listener::{Backoff, Deadline};
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use lesson_19_names::connect_any;

static LESSON: Lesson = Lesson {
    package: "lesson-19-names",
    title: "names and addresses: one name, several addresses, try each (or race them)",
    port: 7019,
    about: "The server echoes one line per connection. The client resolves --addr (a name such\n\
            as localhost:7019 gives every address the name has, in the resolver's order),\n\
            tries each in turn until one connects, sends one line and reads it back.\n\
            The demo runs a server on 127.0.0.1 only, and a client given [::1] first, as\n\
            localhost gives it on most machines: ::1 is refused, 127.0.0.1 answers.\n\
            Try it with: getent ahosts localhost   (the addresses, in the order a client tries them)",
    flags: &[
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: exit after N connections (default: serve forever)",
        },
        Flag {
            name: "--timeout-ms",
            value: Some("MS"),
            help: "server: a client's line must arrive whole, and each send be taken, within MS ms (default 10000)",
        },
        Flag {
            name: "--also",
            value: Some("HOST:PORT"),
            help: "client: one more address to try after those of --addr",
        },
        Flag {
            name: "--happy",
            value: None,
            help: "client: race the addresses with Happy Eyeballs instead of one after another",
        },
    ],
};

/// The longest line the server takes, newline included.
const MAX_LINE: usize = 1024;

/// How long one connection attempt may take before we give up on that address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// RFC 8305's "Connection Attempt Delay": start the next attempt after this long without
/// an answer (section 5 recommends 250 ms).
const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: server
/// A server listens on ONE address: a name's first (see lessons/common/src/cli.rs). Each
/// connection: read one line, send it back, close.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: u64 = opts.value("--clients", 0)?;
    let limit = opts.millis("--timeout-ms", 10_000)?;
    let listener = listen_on(opts.addr, &say)?;
    opts.ready(
        listener
            .local_addr()
            .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?,
    );
    let mut served = 0;
    let mut pause = Backoff::new();
    while clients == 0 || served < clients {
        // A failed accept() (no descriptor left, say) is waited out, a little longer each time
        // (chapter 11); a client's trouble (it reset, sent too much, too slowly) ends that
        // client, not the server. Either way the error is already on screen.
        let Ok(conn) = accept(&listener, &say) else {
            pause.wait(&say);
            continue;
        };
        pause.reset();
        let _ = echo(conn, limit, &say);
        served += 1;
    }
    Ok(())
}

fn listen_on(addr: SocketAddr, say: &Narrator) -> Result<TcpListener> {
    let call = format!("socket() + bind({addr}) + listen()");
    say.call(call, "listen on this one address", || {
        TcpListener::bind(addr)
    })
}

/// One connection: accept it, send its line back, close.
fn serve_one(listener: &TcpListener, limit: Duration, say: &Narrator) -> Result<()> {
    let conn = accept(listener, say)?;
    echo(conn, limit, say)
}

fn accept(listener: &TcpListener, say: &Narrator) -> Result<TcpStream> {
    let (conn, _peer) = say.call("accept()", "take the next connection", || listener.accept())?;
    Ok(conn)
}

/// Its line (at most MAX_LINE bytes, all of it within `limit`) back, then close.
fn echo(conn: TcpStream, limit: Duration, say: &Narrator) -> Result<()> {
    let call = format!("setsockopt(SO_SNDTIMEO, {} ms)", limit.as_millis());
    let why = "a client that does not read cannot hold us";
    say.call(call, why, || conn.set_write_timeout(Some(limit)))?;
    // Each recv() waits only for what is left of `limit` (common::listener::Deadline), and
    // `take` stops at MAX_LINE bytes: no client can keep us longer, or make us hold more.
    let within = Narrated::quiet(Deadline::after(&conn, limit), say.clone());
    let mut reader = BufReader::new(within).take(MAX_LINE as u64);
    let read = || {
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line).map(|_| line)
    };
    let line = say.call_then("read_until(b'\\n')", "wait for one line", read, |line| {
        match line.len() {
            // A connection that says nothing (a Happy Eyeballs attempt that lost the race).
            0 => "0 bytes: end of stream".to_string(),
            n => format!("{n} bytes: {}", show_bytes(line)),
        }
    })?;
    if line.len() == MAX_LINE && !line.ends_with(b"\n") {
        return Err(say.protocol_error(format!("no newline in the first {MAX_LINE} bytes")));
    }
    let n = line.len();
    if n > 0 {
        let mut socket = Narrated::quiet(&conn, say.clone());
        let call = format!("write_all({})", show_bytes(&line));
        let shown = |_: &()| format!("{n} bytes");
        say.call_then(call, "send it back", || socket.write_all(&line), shown)?;
    }
    say.call("close(connection)", "done with this client", || {
        drop(conn);
        Ok(())
    })
}
// ANCHOR_END: server

// ANCHOR: attempt
/// One connection attempt, narrated: what `connect_any` (your exercise) calls for each
/// address. A failure is not the end here: the next address may answer.
fn attempt(addr: SocketAddr, limit: Duration, say: &Narrator) -> io::Result<TcpStream> {
    // Its error is an outcome to show, not a failure of the lesson: hence Ok(result).
    let connect = || Ok(TcpStream::connect_timeout(&addr, limit));
    let shown = |result: &io::Result<TcpStream>| match result {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("error: {}: try the next address", describe(e)),
    };
    let call = format!("connect({addr})");
    let result = say.call_then(call, "try this address", connect, shown);
    result.unwrap_or_else(|e| Err(e.source.unwrap_or_else(|| io::Error::other(e.reason))))
}
// ANCHOR_END: attempt

// ANCHOR: happy
/// What happened to one attempt of a Happy Eyeballs race, in the order it happened.
pub enum Attempt<'a> {
    Started(SocketAddr),
    Failed(SocketAddr, &'a io::Error),
    Won(SocketAddr),
}

/// Happy Eyeballs (RFC 8305), with threads: start an attempt for the first address; each
/// `delay` without a connection (or at once, when an attempt fails) start the next one; the
/// first to connect wins. std cannot abort a thread blocked in connect(): a losing attempt
/// ends on its own (by its timeout at the latest), and a socket it connects after the race is
/// over is closed at once, as nobody receives it. `seen` hears of each step.
pub fn happy_eyeballs(
    addrs: &[SocketAddr],
    delay: Duration,
    mut seen: impl FnMut(Attempt),
) -> io::Result<(TcpStream, SocketAddr)> {
    let (results, arrived) = mpsc::channel();
    let mut next = 0; // the next address to start
    let mut running = 0; // attempts started and not finished
    let mut next_start = Instant::now();
    let mut last_error = None;
    loop {
        // Time for the next attempt: its turn has come, or nothing else is running.
        if next < addrs.len() && (running == 0 || Instant::now() >= next_start) {
            let addr = addrs[next];
            let results = results.clone();
            std::thread::spawn(move || {
                let result = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT);
                // The race may be over (the receiver gone): then the stream is dropped, closed.
                let _ = results.send((addr, result));
            });
            seen(Attempt::Started(addr));
            next += 1;
            running += 1;
            next_start = Instant::now() + delay;
            continue;
        }
        if running == 0 {
            return Err(last_error.unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "no addresses to try")
            }));
        }
        // Wait for an attempt to finish, or for the next one's turn.
        let wait = if next < addrs.len() {
            next_start.saturating_duration_since(Instant::now())
        } else {
            CONNECT_TIMEOUT * 2
        };
        match arrived.recv_timeout(wait) {
            Ok((addr, Ok(stream))) => {
                seen(Attempt::Won(addr));
                return Ok((stream, addr));
            }
            Ok((addr, Err(e))) => {
                running -= 1;
                seen(Attempt::Failed(addr, &e));
                last_error = Some(e);
                // A failure frees the slot at once (RFC 8305, section 5).
                next_start = Instant::now();
            }
            Err(_) => {} // the delay is over: start the next attempt
        }
    }
}

/// RFC 8305, section 4: alternate the families, starting with the resolver's first, so that
/// a broken IPv6 path costs one attempt delay and not one per IPv6 address.
pub fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return Vec::new();
    };
    let (mut same, mut other): (Vec<_>, Vec<_>) =
        addrs.iter().partition(|a| a.is_ipv6() == first.is_ipv6());
    let mut out = Vec::with_capacity(addrs.len());
    same.reverse();
    other.reverse();
    while let Some(a) = same.pop() {
        out.push(a);
        if let Some(b) = other.pop() {
            out.push(b);
        }
    }
    out.extend(other.into_iter().rev());
    out
}
// ANCHOR_END: happy

/// Happy Eyeballs, narrated: each step is told as it happens.
fn race(addrs: &[SocketAddr], say: &Narrator) -> Result<TcpStream> {
    let mut started = 0;
    let result = happy_eyeballs(addrs, ATTEMPT_DELAY, |step| match step {
        Attempt::Started(addr) => {
            started += 1;
            say.note(format!("attempt {started}: connect({addr}) starts"));
        }
        // An attempt's connect() ran on a thread of its own: its result is told when it
        // comes (the call is not run again here).
        Attempt::Failed(addr, e) => {
            let failed = format!("error: {}: start the next one now", describe(e));
            let why = "an attempt of the race";
            let _ = say.call_then(format!("connect({addr})"), why, || Ok(()), |_| failed);
        }
        Attempt::Won(addr) => {
            let won = "ok, first to connect: any attempt still running is cancelled";
            let why = "an attempt of the race";
            let _ = say.call_then(format!("connect({addr})"), why, || Ok(()), |_| won.into());
        }
    });
    // Every attempt has been told: a failure of the whole race is the lesson's error.
    let lost = |e| LessonError::io("happy_eyeballs()", e, LESSON.package);
    result.map(|(stream, _)| stream).map_err(lost)
}

// ANCHOR: client
/// Try the addresses one after another (or race them), then send one line and read it back.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let mut addrs = opts.addrs.clone();
    if opts.has("--also") {
        addrs.push(opts.value("--also", opts.addr)?);
    }
    let list: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
    say.note(format!("addresses to try: {}", list.join(", ")));
    let conn = if opts.has("--happy") {
        race(&interleave(&addrs), &say)?
    } else {
        one_after_another(&addrs, &say)?
    };
    send_line(&conn, b"hello\n", &say)?;
    let echo = read_echo(&conn, &say)?;
    println!("echo: {}", String::from_utf8_lossy(&echo).trim_end());
    Ok(())
}

fn one_after_another(addrs: &[SocketAddr], say: &Narrator) -> Result<TcpStream> {
    // CONNECT_TIMEOUT for each address, in all.
    let deadline = CONNECT_TIMEOUT * addrs.len() as u32;
    let conn = connect_any(addrs, deadline, |addr, limit| attempt(addr, limit, say));
    // Every attempt has been told: no address answering is the lesson's error.
    conn.map_err(|e| LessonError::io("connect_any()", e, LESSON.package))
}
// ANCHOR_END: client

/// Send one line (and show what the kernel holds for the connection: which address won).
fn send_line(conn: &TcpStream, line: &[u8], say: &Narrator) -> Result<()> {
    say.kernel(conn);
    let mut socket = Narrated::quiet(conn, say.clone());
    let call = format!("write_all({})", show_bytes(line));
    let shown = |_: &()| format!("{} bytes", line.len());
    say.call_then(call, "send a line", || socket.write_all(line), shown)
}

/// Read the echo, one line.
fn read_echo(conn: &TcpStream, say: &Narrator) -> Result<Vec<u8>> {
    conn.set_read_timeout(Some(CONNECT_TIMEOUT))
        .map_err(|e| LessonError::io("setsockopt(SO_RCVTIMEO)", e, LESSON.package))?;
    let mut reader = BufReader::new(Narrated::quiet(conn, say.clone()));
    let mut echo = Vec::new();
    let why = "wait for the echo";
    say.call("read_until(b'\\n')", why, || {
        reader.read_until(b'\n', &mut echo)
    })?;
    Ok(echo)
}

// ANCHOR: demo
/// The server on 127.0.0.1 only; the client given `::1` first, as `localhost` is on most
/// machines (RFC 6724 ranks `::1` above `127.0.0.1`). Once one after another, once raced.
fn demo(opts: &Options) -> Result<()> {
    // One thread: the kernel completes a handshake without the server's help (the connection
    // waits in the listen queue, lesson 03), so the client connects and sends first, and the
    // server accepts after; the story reads in order.
    let say = opts.narrator("server");
    let limit = opts.millis("--timeout-ms", 10_000)?;
    let listener = listen_on(opts.addr, &say)?;
    let addr = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;
    opts.ready(addr);
    let client_say = opts.narrator("client");
    let port = addr.port();
    let addrs = [
        SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
        SocketAddr::from(([127, 0, 0, 1], port)),
    ];
    client_say.note(format!(
        "the addresses localhost has on most machines (getent ahosts localhost): {}, {}",
        addrs[0], addrs[1]
    ));
    client_say.note("one after another:");
    let conn = one_after_another(&addrs, &client_say)?;
    send_line(&conn, b"hello\n", &client_say)?;
    serve_one(&listener, limit, &say)?;
    read_echo(&conn, &client_say)?;
    drop(conn);
    client_say.note(format!(
        "Happy Eyeballs: attempts {} ms apart, or at once after a failure:",
        ATTEMPT_DELAY.as_millis()
    ));
    let conn = race(&addrs, &client_say)?;
    send_line(&conn, b"again\n", &client_say)?;
    serve_one(&listener, limit, &say)?;
    read_echo(&conn, &client_say)?;
    Ok(())
}
// ANCHOR_END: demo
