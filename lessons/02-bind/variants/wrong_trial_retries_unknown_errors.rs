// WRONG: returns at once only on the errors it knows (AddrNotAvailable, PermissionDenied) and
// skips every other one as if the port were taken: with EMFILE (no descriptor left) it walks
// the whole range and reports "in use". (Issue 11, second trial: the checks planned only those
// two errors; EMFILE, ENOBUFS and EINVAL are planned now.)

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
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::AddrNotAvailable | io::ErrorKind::PermissionDenied
                ) =>
            {
                return Err(e)
            }
            Err(_) => continue,
        }
    }
    let why = format!("every port from {first} to {last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
