// WRONG: treats every error as "taken" and moves on: an address this machine does not
// have, or no file descriptor left, then walks the whole range and ends as "in use".

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
    // Counted in u32: next to 65535, `p + 1` and `p + 2` do not fit in a u16.
    let (first32, last32) = (u32::from(first), u32::from(last));
    // The range's first even port: its first port, or the one after it.
    let start = first32 + first32 % 2;
    if first == 0 || start + 1 > last32 {
        let why = format!("no pair of ports in {first}-{last} (an even one and the next; no 0)");
        return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    }
    // Every even port below the last one: its pair partner, p + 1, is then in the range too.
    for even in (start..last32).step_by(2) {
        let rtp = even as u16; // below `last`, so it fits
        let rtp_socket = match bind(SocketAddr::new(ip, rtp)) {
            Ok(socket) => socket,
            // Taken: then so is this pair. The odd port after it starts no pair.
            Err(_) => continue,
        };
        // rtp_socket stays bound while we ask for the next port: closed now, another program
        // could take `rtp` before we come back for it.
        match bind(SocketAddr::new(ip, rtp + 1)) {
            Ok(rtcp_socket) => return Ok((rtp_socket, rtcp_socket)),
            // Half a pair is no use: give the even port back before trying the next pair.
            Err(_) => drop(rtp_socket),
            // Returning drops (closes) rtp_socket too.
        }
    }
    let why = format!("every pair of ports of {ip} {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
