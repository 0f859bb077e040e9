// WRONG: refuses a range that starts below 1024 itself (InvalidInput, no attempt), as if it
// knew that the program may not bind there: a privileged program may, and without privilege
// bind()'s own EACCES says so. (Issue 11, second trial: no check used a port below 1024.)

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
    if ports.is_empty() || first < 1024 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "port 0 or a privileged port",
        ));
    }
    for port in ports {
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
