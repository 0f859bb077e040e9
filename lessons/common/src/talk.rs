//! Small narrated steps that lessons 1 to 7 all take on the way to their own call: sending a
//! whole message, receiving a line, closing a socket, asking a socket for its address. Each is
//! still one system call per narrated line; lessons 6 and 7 write their own sending and
//! receiving, as their exercises.

use std::io::Read;
use std::net::SocketAddr;

use socket2::Socket;

use crate::{show_bytes, Narrator, Result};

// ANCHOR: send_all
/// Send all of `bytes`. `send` may take fewer bytes than offered (chapter 6), so loop.
pub fn send_all(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        say.next(
            format!("send({})", show_bytes(rest)),
            "hand bytes to the kernel",
        );
        let n = conn.send(rest).map_err(|e| say.fail(e))?;
        say.done(format!("{n} bytes"));
        rest = &rest[n..];
    }
    Ok(())
}
// ANCHOR_END: send_all

/// Close a socket: in Rust, `drop`. For a connection the kernel sends FIN.
pub fn close(socket: Socket, name: &str, say: &Narrator) {
    say.next(
        format!("close({name})"),
        "give the socket back to the kernel",
    );
    drop(socket);
    say.done("ok");
}

/// The socket's own address as the kernel reports it (getsockname): the real port after
/// binding port 0, the ephemeral port a client got from connect().
pub fn local_addr(socket: &Socket, say: &Narrator) -> Result<SocketAddr> {
    let addr = socket.local_addr().map_err(|e| say.fail(e))?;
    addr.as_socket()
        .ok_or_else(|| say.protocol_error("not an IP address"))
}

// ANCHOR: recv_line
/// Receive until a whole line has arrived, but never more than `max` bytes. One `recv` may
/// return part of a line, or more than one line: TCP carries bytes, not messages (chapter 7).
pub fn recv_line(mut conn: &Socket, max: usize, say: &Narrator) -> Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut buf = vec![0u8; max];
    while !line.ends_with(b"\n") {
        if line.len() >= max {
            return Err(say.protocol_error(format!("no newline in the first {max} bytes")));
        }
        say.next(format!("recv({max})"), "wait for bytes from the peer");
        // `Read::read` on a socket is the recv() system call (chapter 7 shows socket2's own).
        let n = conn
            .read(&mut buf[..max - line.len()])
            .map_err(|e| say.fail(e))?;
        if n == 0 {
            say.done("0 bytes: end of stream");
            return Err(say.protocol_error("the peer closed before sending a whole line"));
        }
        say.done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
        line.extend_from_slice(&buf[..n]);
    }
    Ok(line)
}
// ANCHOR_END: recv_line
