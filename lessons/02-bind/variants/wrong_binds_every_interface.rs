// WRONG: binds the address's port on EVERY interface (0.0.0.0, INADDR_ANY), whatever IP was
// asked for: a server meant for this machine only (127.0.0.1) is open to the network.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use socket2::{SockAddr, Socket};

pub fn bind_to(socket: &Socket, addr: SocketAddr) -> io::Result<SocketAddr> {
    let any = match addr {
        SocketAddr::V4(_) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), addr.port()),
        SocketAddr::V6(_) => addr,
    };
    socket.bind(&SockAddr::from(any))?;
    let own = socket.local_addr()?;
    own.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP address"))
}
