// WRONG: reads the socket's address as IPv4 only (as_socket_ipv4): with an IPv6 address
// such as [::1], the port binds, and the function still fails.

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
                let own = socket.local_addr()?.as_socket_ipv4().map(SocketAddr::V4);
                let own = own.ok_or_else(|| io::Error::other("not an IPv4 address"))?;
                return Ok((socket, own));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    let why = format!("every port of {ip} {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
