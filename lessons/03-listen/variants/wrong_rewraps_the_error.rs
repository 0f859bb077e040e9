// WRONG: wraps the kernel's error in a new one (`io::Error::other(format!(…))`): the text
// survives, but the error's kind and errno are gone (ErrorKind::Other, no raw_os_error), so a
// caller can no longer tell "not supported" from any other failure.

use std::io;

use socket2::Socket;

pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    if socket.local_addr()?.as_socket().map_or(0, |a| a.port()) == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not bound"));
    }
    if backlog == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "backlog 0"));
    }
    let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
    socket
        .listen(backlog)
        .map_err(|e| io::Error::other(format!("listen({backlog}) failed: {e}")))
}
