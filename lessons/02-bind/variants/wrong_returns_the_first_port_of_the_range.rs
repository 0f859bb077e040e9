// WRONG: returns the address of the range's first port, not of the socket: when that port
// was taken, the server tells its clients a port where another program listens.

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
    if ports.is_empty() || ports.contains(&0) {
        let why = format!("ports {first}-{last}: not a range of real ports (1-65535, low to high)");
        return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    }
    for port in ports {
        match bind(SocketAddr::new(ip, port)) {
            Ok(socket) => {
                return Ok((socket, SocketAddr::new(ip, first)));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    let why = format!("every port of {ip} {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
