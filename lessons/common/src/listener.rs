//! The listening socket that lessons 9 to 17 need, made call by call as chapters 1 to 4 teach
//! it: socket, SO_REUSEADDR, bind, listen. Chapters 1 to 8 make these calls in the lesson
//! itself, because they are the lesson; from chapter 9 on they are the ground the lesson
//! stands on, so they are written once, here, and still narrated one call at a time.

use std::net::TcpListener;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::narrate::family;
use crate::{Narrator, Options, Result};

// ANCHOR: listen_on
/// A TCP listener on `opts.addr`, ready to accept: prints the readiness line.
pub fn listen_on(opts: &Options, say: &Narrator) -> Result<TcpListener> {
    let addr = opts.addr;
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the listening socket",
    );
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| say.fail(e))?;
    say.done("ok");

    // A restarted server must not wait a minute for its old connections' TIME_WAIT to end
    // (chapter 2). Unix only, as std does it: on Windows the option lets two servers share
    // a port.
    if cfg!(unix) {
        say.next(
            "setsockopt(SO_REUSEADDR, 1)",
            "allow a restart while old connections sit in TIME_WAIT",
        );
        socket.set_reuse_address(true).map_err(|e| say.fail(e))?;
        say.done("ok");
    }

    say.next(format!("bind({addr})"), "give the socket its address");
    socket
        .bind(&SockAddr::from(addr))
        .map_err(|e| say.fail(e))?;
    let bound = socket
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .ok_or_else(|| say.protocol_error("not an IP address"))?;
    say.done(format!("ok, bound to {bound}"));

    say.next(
        "listen(backlog=128)",
        "let the kernel queue connections for us",
    );
    socket.listen(128).map_err(|e| say.fail(e))?;
    // From here on std's listener is all a lesson needs (mio and tokio take it too).
    let listener = TcpListener::from(socket);
    say.done_with(&listener, "ok");

    opts.ready(bound);
    Ok(listener)
}
// ANCHOR_END: listen_on

/// Take the next connection and give it a read timeout, so that a silent client cannot hold
/// the server (or one of its threads) for ever.
pub fn accept_with_timeout(
    listener: &TcpListener,
    timeout: std::time::Duration,
    say: &Narrator,
) -> Result<std::net::TcpStream> {
    say.next("accept()", "take the next connection from the queue");
    let (conn, peer) = listener.accept().map_err(|e| say.fail(e))?;
    say.done(format!("ok, a client at {peer}"));

    say.next(
        format!("setsockopt(SO_RCVTIMEO, {} ms)", timeout.as_millis()),
        "a recv that waits longer than this fails: a silent client cannot hold us",
    );
    conn.set_read_timeout(Some(timeout))
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(conn)
}
