// WRONG: wraps bind()'s error in a new one of the same kind ("bind(addr) failed"): the OS
// error code is lost, so the caller cannot say "too many open files" (EMFILE) or give its
// hint. The contract says to return bind()'s error as it is. (Issue 11, second trial: the
// checks compared the kind only; they now compare the OS error code.)

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
            Err(e) => return Err(io::Error::new(e.kind(), format!("bind({addr}) failed"))),
        }
    }
    let why = format!("every port from {first} to {last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
