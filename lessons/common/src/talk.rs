//! Small narrated steps that lessons 1 to 7 all take on the way to their own call: sending a
//! whole message, closing a socket, asking a socket for its address. Each is still one system
//! call per narrated line; lesson 6 writes `send_all` itself, as its exercise.

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
