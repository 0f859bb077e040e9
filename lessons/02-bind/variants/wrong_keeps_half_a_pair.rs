// WRONG: walks every port and keeps the last even socket in an Option until another even port
// binds: when the odd port is taken, half a pair stays bound through the next attempts,
// holding a port for nobody.

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
    let mut rtp: Option<Socket> = None;
    for port in start as u16..=last {
        if port % 2 == 0 {
            if port == last {
                break;
            }
            match bind(SocketAddr::new(ip, port)) {
                Ok(socket) => rtp = Some(socket),
                Err(e) if in_use(&e) => continue,
                Err(e) => return Err(e),
            }
        } else if rtp.is_some() {
            match bind(SocketAddr::new(ip, port)) {
                Ok(rtcp) => return Ok((rtp.take().unwrap(), rtcp)),
                Err(e) if in_use(&e) => continue,
                Err(e) => return Err(e),
            }
        }
    }
    let why = format!("every pair of {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
