// WRONG: forgets to stop at the first port that binds: it binds every free port of the range
// and keeps the last, closing the others (and a server of the range is told it has them).

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
    let mut found = None;
    for port in ports {
        match bind(SocketAddr::new(ip, port)) {
            Ok(socket) => {
                let own = socket.local_addr()?.as_socket();
                let own = own.ok_or_else(|| io::Error::other("not an IP address"))?;
                found = Some((socket, own));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    if let Some(found) = found {
        return Ok(found);
    }
    let why = format!("every port of {ip} {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
