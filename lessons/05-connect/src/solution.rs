// Reference solution for lesson 05's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::Socket;

use crate::Connector;

// ANCHOR: solution
/// Connect to the first of `addrs` that accepts a connection, trying them in order; return the
/// connected socket and the address it is connected to.
pub fn connect_first(
    addrs: &[SocketAddr],
    timeout: Duration,
    connector: &mut impl Connector,
) -> io::Result<(Socket, SocketAddr)> {
    let mut last_error = None;
    for &addr in addrs {
        // A new socket for every try: after a failed connect() a socket is in no state to be
        // used again (POSIX leaves it unspecified), so it is dropped, and closed. socket()
        // can fail too (an IPv6 address on a machine without IPv6): that try failed, the
        // next address may still work.
        let socket = match connector.socket(addr) {
            Ok(socket) => socket,
            Err(e) => {
                last_error = Some(e);
                continue;
            }
        };
        // Never a connect() without a limit: with no answer at all, the kernel would keep
        // resending SYN for minutes.
        match connector.connect_timeout(&socket, addr, timeout) {
            Ok(()) => return Ok((socket, addr)),
            // Refused or timed out here; the next address may answer.
            Err(e) => last_error = Some(e),
        }
    }
    // Every try failed: the last error says why. None at all: there was nothing to try.
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")))
}
// ANCHOR_END: solution
