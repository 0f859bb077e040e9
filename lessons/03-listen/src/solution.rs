// Reference solution for lesson 03's exercise. (Yours goes in exercise.rs.)

use std::io;

use socket2::Socket;

// ANCHOR: solution
/// Turn the bound `socket` into a listening one, with room in its accept queue for `backlog`
/// connections that the kernel has completed and the program has not accepted yet.
pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    // A queue with no room makes no sense, and systems disagree on what 0 means
    // (Linux still queues one connection): refuse it, before listen() is called.
    if backlog == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a backlog of 0 leaves no room in the accept queue; use 1 or more",
        ));
    }
    // listen() on a socket that was never bound binds it first, by itself: to a port the
    // kernel picks, on 0.0.0.0 (Linux calls it autobind). No client knows that port. A
    // socket's own address (getsockname) says port 0 until it is bound.
    let bound = socket
        .local_addr()?
        .as_socket()
        .is_some_and(|a| a.port() != 0);
    if !bound {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the socket is not bound: bind it to an address first",
        ));
    }
    // listen() takes a C int. Larger numbers are cut down by the kernel anyway (to
    // net.core.somaxconn on Linux), so clamp rather than let the number wrap around.
    let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
    // listen(): from now on the kernel completes handshakes on this socket by itself.
    socket.listen(backlog)
}
// ANCHOR_END: solution
