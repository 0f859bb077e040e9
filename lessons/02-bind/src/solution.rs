// Reference solution for lesson 02's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::net::SocketAddr;

use socket2::{SockAddr, Socket};

// ANCHOR: solution
/// Bind `socket` to `addr`, and return the address the socket really has now.
///
/// With port 0 the kernel picks a free port, and only the socket itself can tell you which:
/// ask it with `local_addr()` (getsockname() in C). Errors are returned as they are — "address
/// already in use" is a normal answer from bind(), which the lesson reports with a hint.
pub fn bind_to(socket: &Socket, addr: SocketAddr) -> io::Result<SocketAddr> {
    // bind(): the kernel checks that nobody else holds this address, and reserves it for us.
    socket.bind(&SockAddr::from(addr))?;
    // getsockname(): the address now attached to the socket, with the real port.
    let bound = socket.local_addr()?;
    // socket2 speaks every address family; ours is an IP address, so this always succeeds.
    bound
        .as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP address"))
}
// ANCHOR_END: solution
