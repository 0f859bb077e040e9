// WRONG: asks the socket for its address BEFORE bind(): a socket that is not bound yet has
// none (0.0.0.0:0), and that is what is returned.

use std::io;
use std::net::SocketAddr;

use socket2::{SockAddr, Socket};

pub fn bind_to(socket: &Socket, addr: SocketAddr) -> io::Result<SocketAddr> {
    let own = socket.local_addr()?;
    socket.bind(&SockAddr::from(addr))?;
    own.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP address"))
}
