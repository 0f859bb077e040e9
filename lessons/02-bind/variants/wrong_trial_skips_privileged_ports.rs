// WRONG: skips a port below 1024 that bind() refuses with EACCES and goes on above 1023: the
// caller asked for ports it may not use, and is moved elsewhere without being told. The
// contract ends the search at any error but "in use". (Issue 11, second trial: it passed.)

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, SocketAddr)> {
    let (first, last) = (*ports.start(), *ports.end());
    if ports.is_empty() || first == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no range"));
    }
    for port in ports {
        let addr = SocketAddr::new(ip, port);
        match bind(addr) {
            Ok(socket) => return Ok((socket, addr)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied && port < 1024 => continue,
            Err(e) => return Err(e),
        }
    }
    let why = format!("every port from {first} to {last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
