// CORRECT, written differently: a match on the socket's own address first (no IP address, or
// port 0: never bound), then a match on the backlog, the clamp done with min() before the
// cast (so the cast cannot wrap), and its own error text.

use std::io::{Error, ErrorKind, Result};

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> Result<()> {
    match socket.local_addr()?.as_socket() {
        Some(addr) if addr.port() != 0 => {}
        _ => return Err(Error::new(ErrorKind::InvalidInput, "bind() first")),
    }
    match backlog {
        0 => Err(Error::new(ErrorKind::InvalidInput, "no room at all")),
        n => socket.listen(n.min(i32::MAX as usize) as i32),
    }
}
