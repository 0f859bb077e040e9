// CORRECT, written differently: a counter in u32 (so p + 2 after 65534 is 65536, not an
// overflow), one match on the pair of answers, and the range checked by counting its pairs.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

pub fn bind_pair(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, Socket)> {
    let (first, last) = (u32::from(*ports.start()), u32::from(*ports.end()));
    let mut p = if first % 2 == 0 { first } else { first + 1 };
    if first == 0 || p + 1 > last {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no RTP/RTCP pair in that range"));
    }
    let in_use = |e: &io::Error| e.kind() == io::ErrorKind::AddrInUse;
    while p < last {
        let even = SocketAddr::new(ip, p as u16);
        match bind(even) {
            Err(e) if in_use(&e) => {}
            Err(e) => return Err(e),
            Ok(rtp) => match bind(SocketAddr::new(ip, p as u16 + 1)) {
                Ok(rtcp) => return Ok((rtp, rtcp)),
                Err(e) if in_use(&e) => drop(rtp),
                Err(e) => return Err(e),
            },
        }
        p += 2;
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("no free port pair in {}..={} on {ip}", first, last),
    ))
}
