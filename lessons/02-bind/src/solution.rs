// Reference solution for lesson 02's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

// ANCHOR: solution
/// Bind an RTP/RTCP pair of sockets: an even port `p` of `ports` on `ip` such that `p` and
/// `p + 1` are both in the range and both free, the search starting at the first pair at or
/// after `start` and wrapping round the range once (RFC 6056, section 3.3.1). The even socket
/// is held while the odd one is asked for, closed if the odd one is taken; any error but
/// "address already in use" ends the search. Port 0, a range with no pair or a `start` outside
/// the range is `InvalidInput`; every pair taken is one `AddrInUse` error that names the range.
pub fn bind_pair(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    start: u16,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, Socket)> {
    let (first, last) = (*ports.start(), *ports.end());
    // Counted in u32: next to 65535, `p + 1` and `p + 2` do not fit in a u16.
    let (first32, last32) = (u32::from(first), u32::from(last));
    // The range's first pair: its first port if even, or the one after it.
    let low = first32 + first32 % 2;
    if first == 0 || low + 1 > last32 || !ports.contains(&start) {
        let why = format!(
            "no pair of ports in {first}-{last} (an even one and the next; no 0), \
             or start {start} outside it"
        );
        return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    }
    // The range's last pair: the last even port whose partner is still in the range.
    let high = (last32 - 1) & !1;
    let pairs = (high - low) / 2 + 1;
    // The first pair at or after `start`: an odd start belongs to the pair after it; past the
    // last pair, the search begins at the first one.
    let start32 = u32::from(start);
    let begin = start32 + start32 % 2;
    let begin = if begin > high { low } else { begin };
    // Pair number i counts from `low`; the search takes each number once, from `begin`'s on,
    // round the end of the range (modulo the count) back to the one before it.
    let skip = (begin - low) / 2;
    for i in 0..pairs {
        let even = low + 2 * ((skip + i) % pairs);
        let rtp = even as u16; // below `last`, so it fits
        let rtp_socket = match bind(SocketAddr::new(ip, rtp)) {
            Ok(socket) => socket,
            // Taken: then so is this pair. The odd port after it starts no pair.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        };
        // rtp_socket stays bound while we ask for the next port: closed now, another program
        // could take `rtp` before we come back for it.
        match bind(SocketAddr::new(ip, rtp + 1)) {
            Ok(rtcp_socket) => return Ok((rtp_socket, rtcp_socket)),
            // Half a pair is no use: give the even port back before trying the next pair.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => drop(rtp_socket),
            // Returning drops (closes) rtp_socket too.
            Err(e) => return Err(e),
        }
    }
    let why = format!("every pair of ports of {ip} {first}-{last} is in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
// ANCHOR_END: solution
