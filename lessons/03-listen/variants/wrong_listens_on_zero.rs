// WRONG: passes 0 on to listen(): Linux takes it (and still queues a connection), other
// systems do other things; the caller's mistake goes unnoticed.

use std::io;

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    if socket.local_addr()?.as_socket().map_or(0, |a| a.port()) == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not bound"));
    }
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))
}
