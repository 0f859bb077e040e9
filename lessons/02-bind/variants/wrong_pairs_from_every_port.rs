// WRONG: after a taken pair, goes on one port further, not two: every odd port is tried as
// the even port of a pair too, though an odd port and the even one after it are no RTP/RTCP
// pair.

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
    let (first32, last32) = (u32::from(first), u32::from(last));
    let low = first32 + first32 % 2;
    if first == 0 || low + 1 > last32 || !ports.contains(&start) {
        let why = format!(
            "no pair of ports in {first}-{last} (an even one and the next; no 0), \
             or start {start} outside it"
        );
        return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    }
    let high = (last32 - 1) & !1;
    let pairs = high - low + 1;
    let start32 = u32::from(start);
    let begin = start32 + start32 % 2;
    let begin = if begin > high { low } else { begin };
    let skip = begin - low;
    for i in 0..pairs {
        let even = low + (skip + i) % pairs;
        let rtp = even as u16; // below `last`, so it fits
        let rtp_socket = match bind(SocketAddr::new(ip, rtp)) {
            Ok(socket) => socket,
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        };
        match bind(SocketAddr::new(ip, rtp + 1)) {
            Ok(rtcp_socket) => return Ok((rtp_socket, rtcp_socket)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => drop(rtp_socket),
            Err(e) => return Err(e),
        }
    }
    let why = format!("every pair of ports of {ip} {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
