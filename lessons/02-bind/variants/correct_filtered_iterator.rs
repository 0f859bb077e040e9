// CORRECT, written differently: the pairs' even ports collected in a Vec of u16 (each below
// the range's end, so with its partner in the range) and rotated left to the first at or
// after the start; a helper for one pair that says "taken" with None, and the socket of the
// even port closed by the helper's return when the odd is taken.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

pub fn bind_pair(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    start: u16,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, Socket)> {
    let (first, last) = (*ports.start(), *ports.end());
    let mut evens: Vec<u16> = (first..last).filter(|p| p % 2 == 0).collect();
    if first == 0 || evens.is_empty() || !ports.contains(&start) {
        let why = format!("{first}..={last} holds no pair of ports, or not {start}");
        return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    }
    let at = evens.iter().position(|&p| p >= start).unwrap_or(0);
    evens.rotate_left(at);
    for p in evens {
        if let Some(pair) = one_pair(ip, p, &mut bind)? {
            return Ok(pair);
        }
    }
    let why = format!("all pairs taken between port {first} and port {last}");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}

/// The pair at p: Some(both sockets), None if either port is taken, or the other error.
fn one_pair(
    ip: IpAddr,
    p: u16,
    bind: &mut impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<Option<(Socket, Socket)>> {
    let taken = |e: io::Error| match e.kind() {
        io::ErrorKind::AddrInUse => Ok(None),
        _ => Err(e),
    };
    let rtp = match bind(SocketAddr::new(ip, p)) {
        Ok(socket) => socket,
        Err(e) => return taken(e),
    };
    match bind(SocketAddr::new(ip, p + 1)) {
        Ok(rtcp) => Ok(Some((rtp, rtcp))),
        Err(e) => taken(e),
    }
}
