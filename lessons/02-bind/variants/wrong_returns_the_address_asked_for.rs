// WRONG: binds, then returns the address it ASKED for. With port 0 that is `127.0.0.1:0`,
// which is not where the server listens, so no client can reach it.

use std::io;
use std::net::SocketAddr;

use socket2::{SockAddr, Socket};

pub fn bind_to(socket: &Socket, addr: SocketAddr) -> io::Result<SocketAddr> {
    socket.bind(&SockAddr::from(addr))?;
    Ok(addr)
}
