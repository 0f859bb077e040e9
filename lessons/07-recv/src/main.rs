//! Lesson 07: `recv()`, and reading a whole message.
//!
//! `recv()` waits until at least one byte has arrived (or the stream has ended, or an error),
//! then returns whatever is there, from 1 byte up to the size of your buffer: part of a
//! message, or the end of one and the start of the next. It returns 0 when the peer has
//! closed its sending side: end of stream. So reading a message takes a loop and a rule that
//! says where a message ends: a newline, or a length sent in front of it.
//!
//! The exchange, with newlines (`--framing line`, the default): the client sends lines, some
//! in pieces and some together; the server answers each with `got #N: <line>\n`.
//! With a length prefix (`--framing length`): each message is a 4-byte big-endian length,
//! then that many bytes, both ways.

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use common::narrate::family;
use common::talk::{close, local_addr};
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use lesson_07_recv::{MessageReader, Polled};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

static LESSON: Lesson = Lesson {
    package: "lesson-07-recv",
    title: "recv(): reading a whole message, however the bytes arrive",
    port: 7007,
    about: "Newline framing (default): each message is UTF-8 text ending in b\"\\n\"; the server\n\
            answers each with b\"got #N: <text>\\n\" and exits when the client closes.\n\
            Try: printf 'hello\\ntwo\\nlines\\n' | nc 127.0.0.1 7007\n\
            Length framing (--framing length): each message is 4 bytes of length (big-endian),\n\
            then that many bytes; the answers are framed the same way.\n\
            Try: printf '\\0\\0\\0\\5hello' | nc 127.0.0.1 7007 | od -c\n\
            The server rejects a line or a length over --max bytes, bytes that are not UTF-8\n\
            (newline framing), a peer that closes mid-message, and a client silent for --timeout-ms.",
    flags: &[
        Flag {
            name: "--framing",
            value: Some("line|length"),
            help: "how a message ends: a newline (default) or a 4-byte length in front",
        },
        Flag {
            name: "--max",
            value: Some("BYTES"),
            help: "the longest message the server accepts (default 1024)",
        },
        Flag {
            name: "--timeout-ms",
            value: Some("MS"),
            help: "SO_RCVTIMEO: how long one recv() may wait (default 5000)",
        },
    ],
};

/// How a message ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// UTF-8 text ending in `\n`.
    Line,
    /// A 4-byte big-endian length, then that many bytes.
    Length,
}

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

struct Settings {
    framing: Framing,
    max: usize,
    timeout: Duration,
}

fn settings(opts: &Options) -> Result<Settings> {
    let framing = match opts.value("--framing", "line".to_string())?.as_str() {
        "line" => Framing::Line,
        "length" => Framing::Length,
        other => {
            let reason = format!("--framing {other}: write line or length");
            return Err(LessonError::protocol("command line", reason));
        }
    };
    Ok(Settings {
        framing,
        max: opts.value("--max", 1024)?,
        timeout: opts.millis("--timeout-ms", 5000)?,
    })
}

// ANCHOR: recv
/// A connection whose every recv() is shown. `Read::read` on `&Socket` IS the recv() system
/// call; this wrapper only prints each one, so that you see how the bytes really arrive.
struct Recv<'a> {
    conn: &'a Socket,
    say: &'a Narrator,
}

impl Read for Recv<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut conn = self.conn;
        let call = format!("recv({})", buf.len());
        // Blocks until at least one byte is there, the stream ends (0) or an error occurs.
        // EINTR (a stop and continue, Ctrl-Z then fg, with SO_RCVTIMEO set) is no news from
        // the peer: ask again.
        let recv = || loop {
            match conn.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                got => return got.map(|n| buf[..n].to_vec()),
            }
        };
        let got = self
            .say
            .call_then(
                call,
                "wait for bytes from the peer",
                recv,
                |got| match got.len() {
                    0 => "0 bytes: end of stream".to_string(),
                    n => format!("{n} bytes: {}", show_bytes(got)),
                },
            )
            .map_err(|e| e.source.unwrap_or_else(|| io::Error::other(e.reason)))?;
        // The bytes go in the trace too (`--trace`), where the tests read them.
        self.say.moved(Kind::Recv, "recv", &got);
        Ok(got.len())
    }
}
// ANCHOR_END: recv

// ANCHOR: lines
/// Newline framing: the bytes received but not used yet. One recv() can end in the middle of
/// a line (keep the piece), or hold several lines (use them all before the next recv()).
struct Lines {
    pending: Vec<u8>,
    max: usize,
}

impl Lines {
    fn new(max: usize) -> Lines {
        Lines {
            pending: Vec::new(),
            max,
        }
    }

    /// The next whole line that has arrived, without its newline; `None` if there is none yet.
    fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        match self.pending.iter().position(|&b| b == b'\n') {
            Some(end) if end <= self.max => {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop(); // the newline
                Ok(Some(line))
            }
            // Never keep more than `max` bytes waiting for a newline: a peer that never
            // sends one would make us collect forever.
            Some(_) => Err(too_long(self.max)),
            None if self.pending.len() > self.max => Err(too_long(self.max)),
            None => Ok(None),
        }
    }

    /// One recv() into a small buffer, kept in `pending`. `Ok(false)` at end of stream.
    fn recv_more(&mut self, conn: &mut impl Read) -> io::Result<bool> {
        let mut buf = [0u8; 1024];
        let n = conn.read(&mut buf)?;
        if n == 0 && !self.pending.is_empty() {
            let reason = format!(
                "the peer closed after {} bytes of an unfinished line",
                self.pending.len()
            );
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, reason));
        }
        self.pending.extend_from_slice(&buf[..n]);
        Ok(n > 0)
    }
}

fn too_long(max: usize) -> io::Error {
    let reason = format!("a line longer than {max} bytes");
    io::Error::new(io::ErrorKind::InvalidData, reason)
}
// ANCHOR_END: lines

/// Length framing: 4 bytes of length, big-endian (network byte order), then the bytes.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = (message.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    framed
}

/// Turn a framing error into the lesson's error: the framing's own words say it best.
fn read_error(e: io::Error, say: &Narrator) -> LessonError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => say
            .protocol_error(e.to_string())
            .with_hint("the peer went away in the middle of a message"),
        io::ErrorKind::InvalidData => say
            .protocol_error(e.to_string())
            .with_hint("the peer broke the framing rules; nothing was allocated for it"),
        // recv() itself failed; the wrapper has shown it already.
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            LessonError::io("recv", e, LESSON.package).with_hint(
                "the peer sent nothing for too long (SO_RCVTIMEO); a server must not wait forever",
            )
        }
        _ => LessonError::io("recv", e, LESSON.package),
    }
}

/// Send every byte (lesson 06's loop, here as std's `write_all` on `&Socket`), as one
/// narrated line; the quiet adapter records the bytes in the trace.
fn send_all(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut conn = Narrated::quiet(conn, say.clone());
    let call = format!("send_all({})", show_bytes(bytes));
    let sent = |_: &()| format!("{} bytes", bytes.len());
    say.call_then(
        call,
        "hand every byte to the kernel",
        || conn.write_all(bytes),
        sent,
    )
}

// ANCHOR: answer_lines
/// Answer every whole line that has arrived, all in one send. Decode only WHOLE lines: a
/// piece may end in the middle of a character.
fn answer_lines(conn: &Socket, lines: &mut Lines, count: &mut usize, say: &Narrator) -> Result<()> {
    let mut answers = Vec::new();
    while let Some(line) = lines.next_line().map_err(|e| read_error(e, say))? {
        *count += 1;
        let text = String::from_utf8(line).map_err(|e| {
            let reason = format!("message #{count} is not UTF-8: {e}");
            say.note(format!("error: {reason}"));
            LessonError::protocol("String::from_utf8", reason).with_hint(
                "newline framing here carries UTF-8 text; send bytes with --framing length",
            )
        })?;
        say.note(format!("message #{count}: {text:?}"));
        answers.extend_from_slice(format!("got #{count}: {text}\n").as_bytes());
    }
    if !answers.is_empty() {
        send_all(conn, &answers, say)?;
    } else if !lines.pending.is_empty() {
        let waiting = lines.pending.len();
        say.note(format!(
            "no whole line yet: {waiting} bytes wait for their newline"
        ));
    }
    Ok(())
}

/// The server's side of newline framing: answer lines until end of stream.
fn serve_lines(conn: &Socket, max: usize, say: &Narrator) -> Result<usize> {
    let mut lines = Lines::new(max);
    let mut count = 0;
    loop {
        answer_lines(conn, &mut lines, &mut count, say)?;
        let mut recv = Recv { conn, say };
        if !lines.recv_more(&mut recv).map_err(|e| read_error(e, say))? {
            return Ok(count);
        }
    }
}
// ANCHOR_END: answer_lines

// ANCHOR: serve_frames
/// The server's side of length framing: read whole messages until end of stream.
fn serve_frames(conn: &Socket, max: usize, say: &Narrator) -> Result<usize> {
    let mut count = 0;
    let mut recv = Recv { conn, say };
    let mut reader = MessageReader::new(max);
    while let Some(message) = next_message(&mut reader, &mut recv, say)? {
        count += 1;
        say.note(format!("message #{count}: {}", show_bytes(&message)));
        let mut answer = format!("got #{count}: ").into_bytes();
        answer.extend_from_slice(&message);
        send_all(conn, &frame(&answer), say)?;
    }
    Ok(count)
}
// ANCHOR_END: serve_frames

/// One whole message, or `None` at a clean end. This socket blocks (with SO_RCVTIMEO), so
/// the reader says `NotYet` only when a recv() timed out: the peer sent nothing for too long.
fn next_message(
    reader: &mut MessageReader,
    recv: &mut Recv,
    say: &Narrator,
) -> Result<Option<Vec<u8>>> {
    match reader.poll_message(recv).map_err(|e| read_error(e, say))? {
        Polled::Message(message) => Ok(Some(message)),
        Polled::Closed => Ok(None),
        Polled::NotYet => Err(read_error(io::ErrorKind::WouldBlock.into(), say)),
    }
}

/// The client's side: read `n` answers (lines), and show them.
fn read_answers(conn: &Socket, lines: &mut Lines, n: usize, say: &Narrator) -> Result<()> {
    let mut got = 0;
    while got < n {
        match lines.next_line().map_err(|e| read_error(e, say))? {
            Some(line) => {
                got += 1;
                say.note(format!("answer: {:?}", String::from_utf8_lossy(&line)));
            }
            None => {
                let mut recv = Recv { conn, say };
                if !lines.recv_more(&mut recv).map_err(|e| read_error(e, say))? {
                    return Err(say.protocol_error("the server closed before answering"));
                }
            }
        }
    }
    Ok(())
}

/// The client's side with length framing: read `n` framed answers.
fn read_framed_answers(conn: &Socket, n: usize, say: &Narrator) -> Result<()> {
    let mut recv = Recv { conn, say };
    let mut reader = MessageReader::new(64 * 1024);
    for _ in 0..n {
        match next_message(&mut reader, &mut recv, say)? {
            Some(answer) => say.note(format!("answer: {}", show_bytes(&answer))),
            None => return Err(say.protocol_error("the server closed before answering")),
        }
    }
    Ok(())
}

/// The server's first three calls: socket, bind, listen.
fn listen_on(opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    let new_socket = || Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP));
    let socket_call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let listener = say.call(socket_call, "make the socket that will listen", new_socket)?;
    let bind = || listener.bind(&SockAddr::from(addr));
    let bound_to = |_: &()| format!("ok, bound to {}", bound(&listener));
    say.call_then(
        format!("bind({addr})"),
        "give the socket its address",
        bind,
        bound_to,
    )?;
    let why = "let the kernel accept connections for us";
    say.call("listen(backlog=128)", why, || listener.listen(128))?;
    opts.ready(bound(&listener));
    Ok(listener)
}

/// The address the kernel gave a socket (getsockname): the real port after binding port 0.
fn bound(socket: &Socket) -> SocketAddr {
    let addr = socket.local_addr().ok().and_then(|a| a.as_socket());
    addr.expect("a bound TCP socket has an IP address")
}

/// The client's first calls: socket, connect, and a receive timeout.
fn connect_to(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let new_socket = || Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP));
    let socket_call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = say.call(socket_call, "make the client's socket", new_socket)?;
    let why = "open a TCP connection to the server";
    say.call(format!("connect({addr})"), why, || {
        socket.connect(&SockAddr::from(addr))
    })?;
    // The client waits for answers: not forever. (Not narrated: the demo's output stays short.)
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| LessonError::io("setsockopt(SO_RCVTIMEO)", e, LESSON.package))?;
    Ok(socket)
}

// ANCHOR: accept
/// Take the next connection, and never wait longer than `timeout` for its bytes, nor to send.
fn accept_one(listener: &Socket, timeout: Duration, say: &Narrator) -> Result<Socket> {
    let why = "take the first connection from the accept queue";
    let (conn, _peer) = say.call_then("accept()", why, || listener.accept(), |_| "ok".into())?;
    // A client that connects and says nothing would keep recv() waiting forever.
    let why = "give up when one recv() waits too long";
    say.call(
        format!("setsockopt(SO_RCVTIMEO, {} ms)", timeout.as_millis()),
        why,
        || conn.set_read_timeout(Some(timeout)),
    )?;
    // A client that sends and never reads fills its receive buffer, then our send buffer:
    // send() would wait forever too.
    let why = "give up when one send() waits too long";
    say.call(
        format!("setsockopt(SO_SNDTIMEO, {} ms)", timeout.as_millis()),
        why,
        || conn.set_write_timeout(Some(timeout)),
    )?;
    Ok(conn)
}
// ANCHOR_END: accept

// ANCHOR: uninit
/// socket2's own recv() takes `&mut [MaybeUninit<u8>]`: the kernel writes the bytes, so the
/// buffer need not be zeroed first. Reading the bytes back would take `unsafe` code; here we
/// only need the count, to see that end of stream stays ended.
fn recv_again(conn: &Socket, say: &Narrator) -> Result<()> {
    let mut buf = [MaybeUninit::<u8>::uninit(); 64];
    let call = "recv(64) with socket2's own recv";
    let again = |n: &usize| format!("{n} bytes: end of stream again");
    say.call_then(
        call,
        "end of stream, once seen, stays",
        || conn.recv(&mut buf),
        again,
    )?;
    Ok(())
}
// ANCHOR_END: uninit

// ANCHOR: demo
/// Both sides in one process. The client sends, the server receives: one call at a time, so
/// you see exactly which bytes each recv() returns.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let Settings { max, timeout, .. } = settings(opts)?;
    let listener = listen_on(opts, &server)?;
    let addr = local_addr(&listener, &server)?;

    newline_framing(&listener, addr, max, timeout, &server, &client)?;
    length_framing(&listener, addr, max, timeout, &server, &client)?;
    close(listener, "listener", &server);
    Ok(())
}

/// Newline framing: one message in one piece, one in three pieces, two in one piece.
fn newline_framing(
    listener: &Socket,
    addr: SocketAddr,
    max: usize,
    timeout: Duration,
    server: &Narrator,
    client: &Narrator,
) -> Result<()> {
    let to_server = connect_to(addr, client)?;
    let to_client = accept_one(listener, timeout, server)?;
    let (mut lines, mut answers, mut count) = (Lines::new(max), Lines::new(max), 0);
    // One message in one piece; one message in three pieces (the first ends inside the two
    // bytes of `ü`); two messages in one piece. Each recv() returns what one send() sent.
    let pieces = [
        &b"hello\n"[..],
        b"Gr\xc3",
        b"\xbc\xc3\x9fe, in",
        b" three pieces\n",
        b"two\nmessages\n",
    ];
    for piece in pieces {
        send_all(&to_server, piece, client)?;
        let mut recv = Recv {
            conn: &to_client,
            say: server,
        };
        lines
            .recv_more(&mut recv)
            .map_err(|e| read_error(e, server))?;
        let before = count;
        answer_lines(&to_client, &mut lines, &mut count, server)?;
        read_answers(&to_server, &mut answers, count - before, client)?;
    }
    close(to_server, "client socket", client);
    let mut recv = Recv {
        conn: &to_client,
        say: server,
    };
    lines
        .recv_more(&mut recv)
        .map_err(|e| read_error(e, server))?;
    server.note(format!("end of stream after {count} messages"));
    recv_again(&to_client, server)?;
    close(to_client, "connection", server);
    Ok(())
}

/// Length framing: two messages in one send.
fn length_framing(
    listener: &Socket,
    addr: SocketAddr,
    max: usize,
    timeout: Duration,
    server: &Narrator,
    client: &Narrator,
) -> Result<()> {
    let to_server = connect_to(addr, client)?;
    let to_client = accept_one(listener, timeout, server)?;
    let mut two = frame(b"hello");
    two.extend_from_slice(&frame("Grüße".as_bytes()));
    send_all(&to_server, &two, client)?;
    close_write(&to_server, client)?;
    // Both messages and the end of stream wait in the server's receive queue, run together.
    server.kernel(&to_client);
    let count = serve_frames(&to_client, max, server)?;
    server.note(format!("end of stream after {count} messages"));
    close(to_client, "connection", server);
    read_framed_answers(&to_server, 2, client)?;
    close(to_server, "client socket", client);
    Ok(())
}
// ANCHOR_END: demo

/// shutdown(Write): "I have nothing more to send", while still reading the answers.
fn close_write(conn: &Socket, say: &Narrator) -> Result<()> {
    let why = "no more messages: the server's recv() will return 0";
    say.call("shutdown(Write)", why, || {
        conn.shutdown(std::net::Shutdown::Write)
    })
}

// ANCHOR: server
/// Serve one client: answer its messages until it closes, then exit.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let Settings {
        framing,
        max,
        timeout,
    } = settings(opts)?;
    let listener = listen_on(opts, &say)?;
    let conn = accept_one(&listener, timeout, &say)?;
    let count = match framing {
        Framing::Line => serve_lines(&conn, max, &say)?,
        Framing::Length => serve_frames(&conn, max, &say)?,
    };
    say.note(format!("end of stream after {count} messages"));
    close(conn, "connection", &say);
    close(listener, "listener", &say);
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Send messages in deliberately awkward pieces; read the answers.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let Settings { framing, .. } = settings(opts)?;
    let conn = connect_to(opts.addr, &say)?;
    match framing {
        Framing::Line => {
            // One message in three sends, then two messages in one.
            for piece in [&b"Gr\xc3"[..], b"\xbc\xc3\x9fe, in", b" three pieces\n"] {
                send_all(&conn, piece, &say)?;
            }
            send_all(&conn, b"two\nmessages\n", &say)?;
            close_write(&conn, &say)?;
            read_answers(&conn, &mut Lines::new(64 * 1024), 3, &say)?;
        }
        Framing::Length => {
            let one = frame("Grüße, in three pieces".as_bytes());
            for piece in [&one[..2], &one[2..7], &one[7..]] {
                send_all(&conn, piece, &say)?;
            }
            let mut two = frame(b"two");
            two.extend_from_slice(&frame(b"messages"));
            send_all(&conn, &two, &say)?;
            close_write(&conn, &say)?;
            read_framed_answers(&conn, 3, &say)?;
        }
    }
    close(conn, "client socket", &say);
    Ok(())
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Lines` that has received `bytes` (one recv() from a slice, which is a `Read`).
    fn received(max: usize, bytes: &[u8]) -> Lines {
        let mut lines = Lines::new(max);
        let mut from = bytes;
        assert!(lines.recv_more(&mut from).unwrap());
        lines
    }

    #[test]
    fn a_line_of_exactly_max_bytes_passes_one_more_fails() {
        // `max` counts the line without its newline.
        let mut lines = received(5, b"12345\n");
        assert_eq!(lines.next_line().unwrap(), Some(b"12345".to_vec()));
        let mut lines = received(5, b"123456\n");
        let err = lines.next_line().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn bytes_waiting_for_a_newline_are_limited_too() {
        // Exactly `max` bytes may wait for their newline; one more is too many.
        assert_eq!(received(5, b"12345").next_line().unwrap(), None);
        let err = received(5, b"123456").next_line().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn lines_come_out_one_at_a_time_and_the_rest_waits() {
        let mut lines = received(64, b"one\ntwo\nthr");
        assert_eq!(lines.next_line().unwrap(), Some(b"one".to_vec()));
        assert_eq!(lines.next_line().unwrap(), Some(b"two".to_vec()));
        assert_eq!(lines.next_line().unwrap(), None);
        assert_eq!(lines.pending, b"thr");
    }

    #[test]
    fn end_of_stream_is_clean_only_between_lines() {
        let mut empty: &[u8] = b"";
        assert!(!Lines::new(64).recv_more(&mut empty).unwrap());
        let mut half = received(64, b"hal");
        let err = half.recv_more(&mut empty).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("3 bytes"), "{err}");
    }

    #[test]
    fn a_frame_is_a_big_endian_length_then_the_bytes() {
        assert_eq!(frame(b"hello"), b"\0\0\0\x05hello");
        assert_eq!(frame(&[7u8; 258])[..4], [0, 0, 1, 2]);
    }
}
