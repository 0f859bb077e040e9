// WRONG: ignores what listen() returned (`let _ = socket.listen(…); Ok(())`): when the kernel
// refuses (a UDP socket, a socket already connected), the caller is told it listens, and
// finds out only when no client ever gets in.

use std::io;

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    if socket.local_addr()?.as_socket().map_or(0, |a| a.port()) == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not bound"));
    }
    if backlog == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "backlog 0"));
    }
    let _ = socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX));
    Ok(())
}
