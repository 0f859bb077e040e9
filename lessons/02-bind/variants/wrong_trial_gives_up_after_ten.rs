// WRONG: tries at most ten ports (a MAX_TRIES cap, "a dev server never needs more"): in a
// longer range whose free port comes after the tenth, it reports every port in use although it
// never asked for the free one. (Issue 11, second trial: it passed every check, whose ranges
// were all ten ports or fewer; a range of tens of thousands now catches it.)

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

const MAX_TRIES: usize = 10;

pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, SocketAddr)> {
    let (first, last) = (*ports.start(), *ports.end());
    if ports.is_empty() || first == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no range"));
    }
    for port in ports.take(MAX_TRIES) {
        let addr = SocketAddr::new(ip, port);
        match bind(addr) {
            Ok(socket) => return Ok((socket, addr)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    let why = format!("every port from {first} to {last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
