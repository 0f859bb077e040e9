// WRONG: listens on the socket before returning it ("to claim the port"): the caller is
// handed a socket that already accepts clients, before it is ready for them, and its own
// listen() (narrated) comes after the fact. (Issue 11, second trial: it passed every check; a
// client must now be refused by the returned socket.)

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
            Ok(socket) => {
                socket.listen(128)?;
                return Ok((socket, addr));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    let why = format!("every port from {first} to {last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
