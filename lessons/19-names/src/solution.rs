// Lesson 19's exercise, solved: try each address in turn.

use std::io;
use std::net::{SocketAddr, TcpStream};

// ANCHOR: solution
/// Connect to the first of `addrs` that answers, trying them in order; `connect` makes one
/// attempt. If every attempt fails, the error is the last one (the others are gone by then,
/// as with getaddrinfo's clients in C); with no address at all, `InvalidInput`.
pub fn connect_any(
    addrs: &[SocketAddr],
    mut connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut last_error = None;
    for &addr in addrs {
        match connect(addr) {
            Ok(stream) => return Ok(stream),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no addresses to try")))
}
// ANCHOR_END: solution
