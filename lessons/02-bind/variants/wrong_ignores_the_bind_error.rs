// WRONG: ignores bind()'s result ("it always works on my machine"): when the address is in
// use the socket stays unbound, and the function returns Ok with 0.0.0.0:0 instead of the
// error.

use std::io;
use std::net::SocketAddr;

use socket2::{SockAddr, Socket};

pub fn bind_to(socket: &Socket, addr: SocketAddr) -> io::Result<SocketAddr> {
    let _ = socket.bind(&SockAddr::from(addr));
    let own = socket.local_addr()?;
    own.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP address"))
}
