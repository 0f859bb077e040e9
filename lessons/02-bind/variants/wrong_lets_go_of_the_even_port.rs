// WRONG: first checks that both ports are free (binds the even one and lets its socket go,
// then binds the odd one), then binds the even port again: in between, another program may
// take it (the check's own bind() of it succeeds), and the port is asked for twice.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

pub fn bind_pair(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, Socket)> {
    let (first, last) = (*ports.start(), *ports.end());
    let start = u32::from(first) + u32::from(first % 2);
    if first == 0 || start + 1 > u32::from(last) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no pair in the range"));
    }
    let in_use = |e: &io::Error| e.kind() == io::ErrorKind::AddrInUse;
    for p in (start..u32::from(last)).step_by(2) {
        let p = p as u16;
        match bind(SocketAddr::new(ip, p)) {
            Ok(_) => {} // free: that is all we wanted to know
            Err(e) if in_use(&e) => continue,
            Err(e) => return Err(e),
        }
        match bind(SocketAddr::new(ip, p + 1)) {
            Ok(rtcp) => return Ok((bind(SocketAddr::new(ip, p))?, rtcp)),
            Err(e) if in_use(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    let why = format!("every pair of {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
