// WRONG: "fixes" the overflow after 65535 with `wrapping_add`: the port wraps round to 0 and
// the loop, still `port <= last`, goes on (port 0 binds anywhere, then 1, 2, …): with every
// port taken, it never ends. (Found by the issue 11 trial: the check hung, it now stops the
// search at the first port outside the range.)

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
    if first == 0 || first > last {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a range of ports"));
    }
    let mut port = first;
    while port <= last {
        match bind(SocketAddr::new(ip, port)) {
            Ok(socket) => {
                let own = socket.local_addr()?.as_socket();
                let own = own.ok_or_else(|| io::Error::other("not an IP address"))?;
                return Ok((socket, own));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
            Err(e) => return Err(e),
        }
        port = port.wrapping_add(1);
    }
    let why = format!("ports {first}-{last} are all in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
