// WRONG: `backlog as i32`: a number too large for an i32 wraps around (2^32 + 5 becomes 5),
// so a caller who asked for "as many as possible" gets a tiny queue.

use std::io;

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    if socket.local_addr()?.as_socket().map_or(0, |a| a.port()) == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not bound"));
    }
    if backlog == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "backlog 0"));
    }
    socket.listen(backlog as i32)
}
