// WRONG: calls listen() first and checks the backlog afterwards: the error is returned, but
// the socket is already listening (and its queue already takes connections).

use std::io;

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    if socket.local_addr()?.as_socket().map_or(0, |a| a.port()) == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not bound"));
    }
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    if backlog == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "backlog 0"));
    }
    Ok(())
}
