// WRONG: counts the even ports in u16 with p += 2 while p < last: after 65534 comes 65536,
// which overflows (a panic in a debug build, 0 and a search that starts again in release).

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
    let mut p = start as u16;
    while p < last {
        match bind(SocketAddr::new(ip, p)) {
            Ok(rtp) => match bind(SocketAddr::new(ip, p + 1)) {
                Ok(rtcp) => return Ok((rtp, rtcp)),
                Err(e) if in_use(&e) => {}
                Err(e) => return Err(e),
            },
            Err(e) if in_use(&e) => {}
            Err(e) => return Err(e),
        }
        p += 2;
    }
    let why = format!("every pair of {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
