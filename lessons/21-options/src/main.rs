//! Lesson 21: the socket options that matter.
//!
//! - TCP_NODELAY: a request written in two pieces waits for an ACK before its second piece may
//!   go (Nagle's algorithm, RFC 896), and the peer delays that ACK hoping to send it with data
//!   (delayed ACK, RFC 1122 §4.2.3.2): about 40 ms on Linux, every time. The option removes it.
//! - SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT: the kernel probes a silent
//!   connection and gives up on a peer that vanished without a FIN; TCP_USER_TIMEOUT (Linux)
//!   bounds how long sent data may stay unacknowledged.
//! - SO_LINGER with 0 s: close() sends RST instead of FIN.
//! - SO_RCVBUF: the kernel doubles what you ask for, and the socket loses the autotuning that
//!   would have grown its buffer.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use socket2::{SockRef, TcpKeepalive};

// The function you write (src/exercise.rs), or ours (src/solution.rs): see src/lib.rs.
use lesson_21_options::{tune, Need};

static LESSON: Lesson = Lesson {
    package: "lesson-21-options",
    title: "socket options that matter: TCP_NODELAY, keepalive, SO_LINGER, buffer sizes",
    port: 7021,
    about: "The server echoes lines (at most 1024 bytes; each whole line within --timeout), one\n\
            client after another. The client times --rounds request/answer rounds in which it\n\
            writes each request in two pieces (b\"ping\", then b\" \\n\") and reads the echo; it\n\
            prints `round N: X ms` for each and the options it set (TCP_NODELAY, SO_KEEPALIVE).\n\
            With --nagle it leaves TCP_NODELAY off: from round 2 on, each round waits about\n\
            40 ms for the server's delayed ACK (Linux).\n\
            Try it with: ss -tni (while a client runs) and: nc 127.0.0.1 7021",
    flags: &[
        Flag {
            name: "--rounds",
            value: Some("N"),
            help: "client: how many request/answer rounds (default 4)",
        },
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "server: deadline for each whole line and each echo (default 10)",
        },
        Flag {
            name: "--nagle",
            value: None,
            help: "client: leave TCP_NODELAY off (the stall comes back)",
        },
    ],
};

/// The longest line the server takes, newline included.
const MAX_LINE: u64 = 1024;
/// How long the client waits for an echo.
const LINE_TIMEOUT: Duration = Duration::from_secs(10);
/// A round this slow has waited for a delayed ACK (at least 40 ms on Linux; none is this
/// slow on loopback otherwise, even on a loaded machine).
const STALL: Duration = Duration::from_millis(30);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// Say whether rounds 2 and later waited for a delayed ACK (the fastest of them tells).
fn verdict(times: &[Duration]) -> &'static str {
    match times.iter().skip(1).min() {
        Some(fastest) if *fastest >= STALL => {
            "rounds 2-4 each waited for the server's delayed ACK (40 ms or more each)"
        }
        _ => "no round waited: each piece went out at once (under 30 ms each)",
    }
}

// ANCHOR: nagle
/// Four rounds on one connection, with TCP_NODELAY as it is; the server echoes each line.
fn nagle_rounds(
    client: &TcpStream,
    server: &TcpStream,
    say_client: &Narrator,
    say_server: &Narrator,
) -> Result<Vec<Duration>> {
    let mut to_server = Narrated::quiet(client, say_client.clone());
    let mut reader = BufReader::new(Narrated::quiet(server, say_server.clone()));
    let mut times = Vec::new();
    for _ in 0..4 {
        let began = Instant::now();
        let mut request = || -> std::io::Result<Vec<u8>> {
            to_server.write_all(b"ping")?; // send(): goes at once
            to_server.write_all(b" \n")?; // send(): held by Nagle until "ping" is ACKed
            let mut line = Vec::new();
            (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line)?;
            Ok(line)
        };
        // Not narrated, one by one: the rounds are timed. An error names the round.
        let line = request().map_err(|e| unnarrated("a round (send, send, recv)", e))?;
        times.push(began.elapsed());
        // The echo, so that the next request comes after an answer, as in a real protocol.
        reader
            .get_mut()
            .write_all(&line)
            .map_err(|e| unnarrated("send(echo)", e))?;
        let mut echo = vec![0u8; line.len()];
        to_server
            .read_exact(&mut echo)
            .map_err(|e| unnarrated("recv(echo)", e))?;
    }
    Ok(times)
}

/// The error of a call the lesson does not narrate (the timed rounds, the options it prints).
fn unnarrated(call: &str, e: std::io::Error) -> LessonError {
    LessonError::io(call, e, LESSON.package)
}
// ANCHOR_END: nagle

// ANCHOR: keepalive
/// Keepalive and TCP_USER_TIMEOUT: how a connection finds out that its peer vanished without a
/// FIN (a cable pulled, a machine off, a NAT that forgot the connection).
fn keepalive(conn: &TcpStream, say: &Narrator) -> Result<()> {
    let sock = SockRef::from(conn);
    // After 5 s of silence, a probe (an ACK for old data) every 1 s; 3 unanswered: the peer is
    // gone, and the next call on the socket fails with ETIMEDOUT. 5 + 3 x 1 = 8 s.
    let probes = TcpKeepalive::new()
        .with_time(Duration::from_secs(5))
        .with_interval(Duration::from_secs(1))
        .with_retries(3);
    let call = "setsockopt(SO_KEEPALIVE=1, TCP_KEEPIDLE=5, TCP_KEEPINTVL=1, TCP_KEEPCNT=3)";
    say.call(call, "probe a silent peer", || {
        sock.set_tcp_keepalive(&probes)
    })?;
    // Windows sets these but cannot read them back.
    #[cfg(not(windows))]
    {
        let read_back = || {
            Ok(format!(
                "{}, idle {} s, interval {} s",
                if sock.keepalive()? { "on" } else { "off" },
                sock.tcp_keepalive_time()?.as_secs(),
                sock.tcp_keepalive_interval()?.as_secs(),
            ))
        };
        say.call_then(
            "getsockopt(SO_KEEPALIVE, …)",
            "what the kernel holds",
            read_back,
            |s: &String| s.clone(),
        )?;
    }
    // Keepalive only probes an IDLE connection. With data sent and unacknowledged, TCP
    // retransmits instead, for about 15 minutes (tcp_retries2); TCP_USER_TIMEOUT bounds that.
    #[cfg(target_os = "linux")]
    {
        let call = "setsockopt(TCP_USER_TIMEOUT, 10 s)";
        let why = "give up when sent data stays unacknowledged for 10 s";
        say.call(call, why, || {
            sock.set_tcp_user_timeout(Some(Duration::from_secs(10)))
        })?;
    }
    #[cfg(not(target_os = "linux"))]
    say.note("TCP_USER_TIMEOUT is Linux's (and Android's); elsewhere, keepalive alone");
    Ok(())
}
// ANCHOR_END: keepalive

// ANCHOR: linger
/// SO_LINGER with a time of 0: close() throws away what is unsent and sends RST, not FIN. The
/// peer's next recv() fails with ECONNRESET instead of reading end of stream.
fn linger_zero(
    conn: TcpStream,
    peer: &TcpStream,
    say: &Narrator,
    say_peer: &Narrator,
) -> Result<()> {
    let sock = SockRef::from(&conn);
    let call = "setsockopt(SO_LINGER, on, 0 s)";
    say.call(call, "close() will reset, not close", || {
        sock.set_linger(Some(Duration::ZERO))
    })?;
    say.call("close()", "RST: no FIN, no TIME_WAIT", || {
        drop(conn);
        Ok(())
    })?;
    let mut buf = [0u8; 16];
    let mut peer = peer;
    // The reset is the outcome this shows (`None`), not a failure of the call.
    let recv = || match peer.read(&mut buf) {
        Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(None),
        Ok(n) => Ok(Some(n)),
        Err(e) => Err(e),
    };
    let shown = |got: &Option<usize>| match got {
        None => "error: connection reset by peer (ECONNRESET)".to_string(),
        Some(n) => format!("{n} bytes (no reset?)"),
    };
    say_peer.call_then("recv(16)", "what does the peer see?", recv, shown)?;
    Ok(())
}
// ANCHOR_END: linger

// ANCHOR: buffers
/// SO_RCVBUF: what the kernel gives, and what setting it costs.
fn buffers(say: &Narrator) -> Result<()> {
    let socket = say.call("socket(AF_INET, SOCK_STREAM)", "a fresh TCP socket", || {
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
    })?;
    let size = |s: &usize| format!("{s} bytes");
    let why = "the default: net.ipv4.tcp_rmem's middle value on Linux";
    say.call_then(
        "getsockopt(SO_RCVBUF)",
        why,
        || socket.recv_buffer_size(),
        size,
    )?;
    let why = "ask for 4096 bytes: this socket's buffer no longer grows by itself";
    say.call("setsockopt(SO_RCVBUF, 4096)", why, || {
        socket.set_recv_buffer_size(4096)
    })?;
    let why = "Linux doubles it, for its own bookkeeping (socket(7))";
    say.call_then(
        "getsockopt(SO_RCVBUF)",
        why,
        || socket.recv_buffer_size(),
        size,
    )?;
    Ok(())
}
// ANCHOR_END: buffers

/// A connected pair on loopback: the client's socket and the server's.
fn connected_pair(
    listener: &TcpListener,
    addr: SocketAddr,
    client: &Narrator,
    server: &Narrator,
) -> Result<(TcpStream, TcpStream)> {
    let conn = client.call(format!("connect({addr})"), "open a TCP connection", || {
        TcpStream::connect(addr)
    })?;
    let (accepted, _) = server.call("accept()", "take it", || listener.accept())?;
    Ok((conn, accepted))
}

// ANCHOR: demo
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let lesson = opts.narrator("lesson");
    let listener = server.call(
        format!("socket() + bind({}) + listen()", opts.addr),
        "make the listening socket",
        || TcpListener::bind(opts.addr),
    )?;
    let addr = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;

    lesson.note("1. a request in two writes (b\"ping\", b\" \\n\"), four rounds, Nagle on");
    let (conn, accepted) = connected_pair(&listener, addr, &client, &server)?;
    let times = nagle_rounds(&conn, &accepted, &client, &server)?;
    lesson.note(verdict(&times));
    drop((conn, accepted));

    lesson.note("the same on a new connection, with TCP_NODELAY");
    let (conn, accepted) = connected_pair(&listener, addr, &client, &server)?;
    client.call(
        "setsockopt(TCP_NODELAY, 1)",
        "turn Nagle's algorithm off",
        || conn.set_nodelay(true),
    )?;
    let times = nagle_rounds(&conn, &accepted, &client, &server)?;
    lesson.note(verdict(&times));

    lesson.note("2. keepalive and TCP_USER_TIMEOUT, for a peer that vanishes without a FIN");
    keepalive(&conn, &client)?;

    lesson.note("3. SO_LINGER 0: close() with RST");
    linger_zero(conn, &accepted, &client, &server)?;
    drop(accepted);

    lesson.note("4. buffer sizes");
    buffers(&lesson)?;
    server.call("close(listener)", "done", || {
        drop(listener);
        Ok(())
    })
}
// ANCHOR_END: demo

// ANCHOR: server
/// The server's side of a connection, with a deadline for each whole line and each whole
/// echo (lesson 09): before each recv() and send(), SO_RCVTIMEO or SO_SNDTIMEO is set to what
/// is left of it, so neither a trickle nor a client that never reads can hold us.
struct Deadlined<'a> {
    conn: &'a TcpStream,
    deadline: Instant,
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = common::listener::time_left(self.deadline)
            .ok_or_else(|| std::io::Error::from(ErrorKind::TimedOut))?;
        self.conn.set_read_timeout(Some(left))?;
        self.conn.read(buf) // recv()
    }
}

impl Write for Deadlined<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let left = common::listener::time_left(self.deadline)
            .ok_or_else(|| std::io::Error::from(ErrorKind::TimedOut))?;
        self.conn.set_write_timeout(Some(left))?;
        self.conn.write(bytes) // send()
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Echo lines, one client after another; each whole line, and each echo, within --timeout.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limit = opts.seconds("--timeout", 10)?.max(Duration::from_secs(1));
    let listener = say.call(
        format!("socket() + bind({}) + listen()", opts.addr),
        "make the listening socket",
        || TcpListener::bind(opts.addr),
    )?;
    opts.ready(
        listener
            .local_addr()
            .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?,
    );
    loop {
        let (conn, peer) = match say.call("accept()", "wait for a client", || listener.accept()) {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of descriptors, say: wait a little and go on.
                std::thread::sleep(Duration::from_millis(100));
                say.note(format!("accept failed ({}); going on", err.reason));
                continue;
            }
        };
        say.note(format!(
            "each line, and each echo, must be through within {} s",
            limit.as_secs()
        ));
        let timed = Deadlined {
            conn: &conn,
            deadline: Instant::now() + limit,
        };
        let mut reader = BufReader::new(Narrated::quiet(timed, say.clone()));
        let mut lines = 0;
        let outcome = loop {
            let mut line = Vec::new();
            reader.get_mut().get_mut().deadline = Instant::now() + limit;
            match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
                Ok(0) => break Ok(()),
                Ok(_) if !line.ends_with(b"\n") => {
                    break Err(format!("no newline: {}", show_bytes(&line)))
                }
                Ok(_) => {}
                Err(e) => break Err(e.to_string()),
            }
            reader.get_mut().get_mut().deadline = Instant::now() + limit;
            if let Err(e) = reader.get_mut().write_all(&line) {
                break Err(e.to_string());
            }
            lines += 1;
        };
        match outcome {
            Ok(()) => say.note(format!("{peer}: {lines} line(s) echoed")),
            Err(why) => say.note(format!("dropping {peer}: {why}")),
        }
    }
}
// ANCHOR_END: server

// ANCHOR: client
/// Time the rounds: the request in two writes, the echo read back.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let rounds: usize = opts.value("--rounds", 4)?;
    let conn = say.call(
        format!("connect({})", opts.addr),
        "open a TCP connection",
        || TcpStream::connect(opts.addr),
    )?;
    conn.set_read_timeout(Some(LINE_TIMEOUT))
        .map_err(|e| unnarrated("setsockopt(SO_RCVTIMEO)", e))?;
    if !opts.has("--nagle") {
        // Request and answer; a silent server is given up within 2 minutes, after 1 of quiet.
        let need = Need {
            give_up_after: Duration::from_secs(120),
            idle_before_probing: Duration::from_secs(60),
            interactive: true,
        };
        say.call(
            "tune(connection, need)",
            "TCP_NODELAY and keepalive (your exercise)",
            || tune(&conn, need),
        )?;
    }
    let sock = SockRef::from(&conn);
    let on = |b: bool| if b { "on" } else { "off" };
    println!(
        "TCP_NODELAY: {}",
        on(conn
            .nodelay()
            .map_err(|e| unnarrated("getsockopt(TCP_NODELAY)", e))?)
    );
    println!(
        "SO_KEEPALIVE: {}",
        on(sock
            .keepalive()
            .map_err(|e| unnarrated("getsockopt(SO_KEEPALIVE)", e))?)
    );
    let mut socket = Narrated::quiet(&conn, say.clone());
    let mut reader = BufReader::new(&conn);
    for n in 1..=rounds {
        let began = Instant::now();
        let mut exchange = || -> std::io::Result<Vec<u8>> {
            socket.write_all(b"ping")?; // send()
            socket.write_all(b" \n")?; // send(): held by Nagle, unless TCP_NODELAY
            let mut echo = Vec::new();
            (&mut reader).take(MAX_LINE).read_until(b'\n', &mut echo)?;
            Ok(echo)
        };
        let echo = exchange().map_err(|e| unnarrated("a round (send, send, recv)", e))?;
        if echo != b"ping \n" {
            return Err(say.protocol_error(format!("the echo was {}", show_bytes(&echo))));
        }
        println!("round {n}: {} ms", began.elapsed().as_millis());
    }
    say.call("close()", "done", || {
        drop(conn);
        Ok(())
    })
}
// ANCHOR_END: client
