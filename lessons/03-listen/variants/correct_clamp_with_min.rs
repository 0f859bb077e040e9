// CORRECT, written differently: a match on the backlog, the clamp done with min() before the
// cast (so the cast cannot wrap), and its own error text.

use std::io::{Error, ErrorKind, Result};

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> Result<()> {
    match backlog {
        0 => Err(Error::new(ErrorKind::InvalidInput, "no room at all")),
        n => socket.listen(n.min(i32::MAX as usize) as i32),
    }
}
