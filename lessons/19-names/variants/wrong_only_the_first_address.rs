// WRONG: tries the first address only, as `TcpStream::connect(addrs[0])` would (and stops at
// its error). Where localhost gives ::1 first and the server listens on 127.0.0.1 only, the
// client is refused while the next address would have answered.

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    mut connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    match addrs.first() {
        Some(&addr) => connect(addr),
        None => Err(io::Error::new(io::ErrorKind::InvalidInput, "no addresses")),
    }
}
