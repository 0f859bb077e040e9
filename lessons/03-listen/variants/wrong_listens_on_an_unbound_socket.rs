// WRONG: trusts the caller to have bound the socket. listen() on a socket that was never
// bound does not fail: the kernel binds it first, to a port of its choosing on 0.0.0.0, and
// the server listens on every address of the machine, on a port no client knows.

use std::io;

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    if backlog == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "backlog 0"));
    }
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))
}
