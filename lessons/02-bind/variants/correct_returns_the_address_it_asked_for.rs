// CORRECT, written differently: returns the address it asked bind() for, without asking the
// socket. bind(addr) binds exactly addr (port 0 is excluded), so it is the socket's own; the
// contract allows either. (The issue 11 trial wrote it; it passed every check.) Also: a
// manual loop that stops AT the last port, and a `match` on the range's ends.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, SocketAddr)> {
    let (first, last) = match (*ports.start(), *ports.end()) {
        (0, _) => return Err(io::Error::new(io::ErrorKind::InvalidInput, "port 0 is any port")),
        (first, last) if first > last => {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no port in the range"))
        }
        ends => ends,
    };
    let mut port = first;
    loop {
        let addr = SocketAddr::new(ip, port);
        match bind(addr) {
            Ok(socket) => return Ok((socket, addr)),
            Err(e) if e.kind() != io::ErrorKind::AddrInUse => return Err(e),
            Err(_) if port == last => break,
            Err(_) => port += 1,
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("nothing free from {first} to {last} on {ip}"),
    ))
}
