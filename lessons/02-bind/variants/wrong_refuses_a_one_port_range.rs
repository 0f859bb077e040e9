// WRONG: takes `first >= last` for an empty range: 7002..=7002 is one port, a range all the
// same, and is refused as InvalidInput without an attempt. (The issue 11 trial: it failed
// before, but with a message that did not say the range was one port.)

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
    if first == 0 || first >= last {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a range of ports"));
    }
    for port in ports {
        match bind(SocketAddr::new(ip, port)) {
            Ok(socket) => {
                let own = socket.local_addr()?.as_socket();
                let own = own.ok_or_else(|| io::Error::other("not an IP address"))?;
                return Ok((socket, own));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
            Err(e) => return Err(e),
        }
    }
    let why = format!("ports {first}-{last} are all in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
