// CORRECT, written differently: the kernel gives exactly the address asked for unless its
// port is 0, so only then ask the socket (getsockname) which port it chose; the conversion
// from socket2's address by a match on the IP version, with its own error text.

use std::io::{Error, ErrorKind, Result};
use std::net::SocketAddr;

use socket2::{SockAddr, Socket};

pub fn bind_to(socket: &Socket, addr: SocketAddr) -> Result<SocketAddr> {
    let wanted: SockAddr = addr.into();
    socket.bind(&wanted)?;
    if addr.port() != 0 {
        return Ok(addr);
    }
    let own = socket.local_addr()?;
    match (own.as_socket_ipv4(), own.as_socket_ipv6()) {
        (Some(v4), _) => Ok(SocketAddr::V4(v4)),
        (None, Some(v6)) => Ok(SocketAddr::V6(v6)),
        (None, None) => Err(Error::new(ErrorKind::Unsupported, "no IP address")),
    }
}
