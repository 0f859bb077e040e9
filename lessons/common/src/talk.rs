//! Small narrated steps that lessons 1 to 7 all take on the way to their own call: sending a
//! whole message, receiving a line, closing a socket, asking a socket for its address. Each is
//! still one system call per narrated line (`say.call`); the bytes that cross the connection
//! go through a quiet [`Narrated`] adapter, so that a run's `--trace` holds them (the tests'
//! `trace.sent(…)`, `trace.received(…)`). Lessons 6 and 7 write their own sending and
//! receiving, as their exercises.

use std::io::{Read, Write};
use std::net::SocketAddr;

use socket2::Socket;

use crate::{show_bytes, Narrated, Narrator, Result};

// ANCHOR: send_all
/// Send all of `bytes`. `send` may take fewer bytes than offered (chapter 6), so loop.
pub fn send_all(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<()> {
    // `Write::write` on a socket is the send() system call; the quiet adapter records the bytes.
    let mut conn = Narrated::quiet(conn, say.clone());
    let mut rest = bytes;
    while !rest.is_empty() {
        let call = format!("send({})", show_bytes(rest));
        let n = say.call(call, "hand bytes to the kernel", || conn.write(rest))?;
        rest = &rest[n..];
    }
    Ok(())
}
// ANCHOR_END: send_all

// ANCHOR: reuse_address
/// `setsockopt(SO_REUSEADDR, 1)` before `bind()`: a server restarted at once may bind its
/// port although its last connections still wait in TIME_WAIT (chapter 2 shows why). Unix
/// only, as in std: on Windows the same name lets another program take the port over.
pub fn reuse_address(socket: &Socket, say: &Narrator) -> Result<()> {
    if cfg!(unix) {
        let why = "let a restarted server bind while old connections linger";
        say.call("setsockopt(SO_REUSEADDR, 1)", why, || {
            socket.set_reuse_address(true)
        })?;
    }
    Ok(())
}
// ANCHOR_END: reuse_address

// ANCHOR: give_up_after
/// The guard of a server that serves ONE client and exits (chapters 1, 2, 5, 18): if the
/// whole exchange is not over within `limit`, say so and end the process with exit code 1.
///
/// Its client may be rude: connect and say nothing, send one byte a second and never the
/// newline, never read. A timeout on each recv() (`SO_RCVTIMEO`) would not stop the one that
/// sends a byte just before each wait runs out; one clock for the whole run does, and a server
/// with one client has one thing to wait for. (Chapter 4 builds what a server of many clients
/// needs instead: a deadline for each message.) In step mode you are the clock: no limit.
pub fn give_up_after(limit: std::time::Duration, say: &Narrator) {
    if crate::narrate::step_mode() {
        return;
    }
    let say = say.clone();
    std::thread::spawn(move || {
        std::thread::sleep(limit);
        let reason = format!("the client did not finish within {} ms", limit.as_millis());
        let late = std::io::Error::new(std::io::ErrorKind::TimedOut, reason);
        // Printed and recorded (`--trace`) like any failed call, then the same exit as an
        // error returned from `server`.
        let err = say.failed("the whole exchange", late);
        eprintln!("error: {err}");
        std::process::exit(1);
    });
}
// ANCHOR_END: give_up_after

/// Close a socket: in Rust, `drop`. For a connection the kernel sends FIN.
pub fn close(socket: Socket, name: &str, say: &Narrator) {
    let why = "give the socket back to the kernel";
    // drop() cannot fail: whatever happens, the kernel takes the socket back.
    let _ = say.call(format!("close({name})"), why, || {
        drop(socket);
        Ok(())
    });
}

/// The socket's own address as the kernel reports it (getsockname): the real port after
/// binding port 0, the ephemeral port a client got from connect().
pub fn local_addr(socket: &Socket, say: &Narrator) -> Result<SocketAddr> {
    getsockname(socket).map_err(|e| say.failed("getsockname()", e))
}

/// getsockname(), not narrated: the socket's own address as an IP address (socket2's
/// `SockAddr` can hold any kind of address), for use inside a narrated call.
pub fn getsockname(socket: &Socket) -> std::io::Result<SocketAddr> {
    let addr = socket.local_addr()?;
    addr.as_socket()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "not an IP address"))
}

// ANCHOR: recv_line
/// Receive one line, up to and including its newline, and never more than `max` bytes.
///
/// One `recv` returns whatever has arrived: part of a line, or a line and the start of the
/// next (TCP carries bytes, not messages: chapter 7). So first *look* at what has arrived
/// without taking it (`MSG_PEEK`, recv(2)), then take exactly the bytes up to the newline.
/// Whatever follows the newline stays in the kernel, for the next call.
pub fn recv_line(conn: &Socket, max: usize, say: &Narrator) -> Result<Vec<u8>> {
    // `Read::read` on a socket is the recv() system call (chapter 7 shows socket2's own); the
    // quiet adapter records the bytes taken.
    let mut taking = Narrated::quiet(conn, say.clone());
    let mut line = Vec::new();
    let mut buf = vec![0u8; max];
    while !line.ends_with(b"\n") {
        let room = max - line.len();
        if room == 0 {
            return Err(say.protocol_error(format!("no newline in the first {max} bytes")));
        }
        let why = "look at the bytes that have arrived, leave them there";
        let seen = say.call_then(
            format!("recv({room}, MSG_PEEK)"),
            why,
            || peek(conn, room),
            |seen| arrived(seen),
        )?;
        if seen.is_empty() {
            return Err(say.protocol_error("the peer closed before sending a whole line"));
        }

        // Up to and including the first newline; if none has arrived yet, all of them.
        let wanted = match seen.iter().position(|&b| b == b'\n') {
            Some(newline) => newline + 1,
            None => seen.len(),
        };
        let why = "take them, and nothing after the newline";
        let n = say.call(format!("recv({wanted})"), why, || {
            taking.read(&mut buf[..wanted])
        })?;
        line.extend_from_slice(&buf[..n]);
    }
    Ok(line)
}

/// How a peek's result reads: `6 bytes: b"hello\n"`, or the end of the stream.
fn arrived(seen: &[u8]) -> String {
    match seen.len() {
        0 => "0 bytes: end of stream".to_string(),
        n => format!("{n} bytes: {}", show_bytes(seen)),
    }
}
// ANCHOR_END: recv_line

/// `recv(room, MSG_PEEK)`: a copy of (at most `room` of) the bytes that have arrived, left in
/// the kernel's receive buffer, so that the next `recv` returns them again.
fn peek(conn: &Socket, room: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; room];
    // Only the peek waits: the recv() after it takes bytes that are already there.
    let n = retry_interrupted(|| peek_into(conn, &mut buf))?;
    buf.truncate(n);
    Ok(buf)
}

/// Run `call` again while it fails with EINTR. A recv() on a socket with a receive timeout
/// (`SO_RCVTIMEO`) is not restarted after the process was stopped and continued (Ctrl-Z, then
/// `fg`): it fails with EINTR (signal(7)). That is no news from the peer: ask again.
fn retry_interrupted<T>(mut call: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    loop {
        match call() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// `recv(buf, MSG_PEEK)` into a buffer the caller gives.
fn peek_into(conn: &Socket, buf: &mut [u8]) -> std::io::Result<usize> {
    // socket2's `peek` takes `[MaybeUninit<u8>]`, a buffer it need not zero first (chapter 7).
    // SAFETY: an initialised `[u8]` may be used as `[MaybeUninit<u8>]` as long as nobody writes
    // uninitialised bytes into it; `peek` only lets the kernel copy received bytes in (socket2
    // documents the same promise for its `recv`, which its `Read` implementation relies on).
    let buf = unsafe { &mut *(buf as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) };
    conn.peek(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    /// A connected pair: the std end to write with, the socket2 end `recv_line` reads.
    fn pair() -> (TcpStream, Socket) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        // A bug must fail the test, not hang it.
        reader
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        (writer, Socket::from(reader))
    }

    fn say() -> Narrator {
        Narrator::new("test", "common")
    }

    /// Two lines that arrive in one piece come out as two lines: the bytes after the first
    /// newline stay for the next call. (Broken on purpose by taking all `seen` bytes instead
    /// of `wanted`: the first call returned both lines.)
    #[test]
    fn two_lines_in_one_piece_are_two_lines() {
        let (mut writer, reader) = pair();
        writer.write_all(b"one\ntwo\n").unwrap();
        // Both lines are in the reader's receive buffer before the first call.
        while peek(&reader, 16).unwrap().len() < 8 {
            std::thread::yield_now();
        }
        assert_eq!(recv_line(&reader, 64, &say()).unwrap(), b"one\n");
        assert_eq!(recv_line(&reader, 64, &say()).unwrap(), b"two\n");
    }

    /// A line that arrives in pieces is put together; the start of the next line stays.
    #[test]
    fn a_line_in_pieces_and_the_start_of_the_next() {
        let (mut writer, reader) = pair();
        let writing = std::thread::spawn(move || {
            writer.write_all(b"hel").unwrap();
            std::thread::sleep(Duration::from_millis(50));
            writer.write_all(b"lo\nwor").unwrap();
            std::thread::sleep(Duration::from_millis(50));
            writer.write_all(b"ld\n").unwrap();
        });
        assert_eq!(recv_line(&reader, 64, &say()).unwrap(), b"hello\n");
        assert_eq!(recv_line(&reader, 64, &say()).unwrap(), b"world\n");
        writing.join().unwrap();
    }

    /// A line of exactly `max` bytes passes; one byte more is an error, and the reader never
    /// took more than `max` bytes out of the kernel.
    #[test]
    fn the_limit_counts_the_newline() {
        let (mut writer, reader) = pair();
        writer.write_all(b"abcdefg\nabcdefgh\n").unwrap();
        assert_eq!(recv_line(&reader, 8, &say()).unwrap(), b"abcdefg\n");
        let err = recv_line(&reader, 8, &say()).unwrap_err();
        assert!(err.to_string().contains("8 bytes"), "{err}");
        // The 9th byte, the newline, is still there.
        assert_eq!(peek(&reader, 4).unwrap(), b"\n");
    }

    /// End of stream before a newline is an error, not a line.
    #[test]
    fn end_of_stream_before_the_newline() {
        let (mut writer, reader) = pair();
        writer.write_all(b"hel").unwrap();
        drop(writer);
        assert!(recv_line(&reader, 64, &say()).is_err());
    }
}
