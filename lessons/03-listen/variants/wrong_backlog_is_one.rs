// WRONG: "my server handles one client at a time, so the backlog is 1". The backlog is not
// the number of clients a server serves: it is how many finished connections may WAIT for
// accept(). With 1, the third client that arrives before accept() is left waiting.

use std::io;

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    if socket.local_addr()?.as_socket().map_or(0, |a| a.port()) == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not bound"));
    }
    if backlog == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "backlog 0"));
    }
    socket.listen(1)
}
