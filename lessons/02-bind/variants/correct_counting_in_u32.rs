// CORRECT, written differently: the search as a chain of two stepped ranges, in u32 (so that
// p + 2 after 65534 is 65536, not an overflow): from the start's pair to the last pair, then
// from the first pair up to, not including, the start's; one match on the pair of answers.

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
    let (first, last) = (u32::from(*ports.start()), u32::from(*ports.end()));
    let low = if first % 2 == 0 { first } else { first + 1 };
    if first == 0 || low + 1 > last || !ports.contains(&start) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no RTP/RTCP pair in that range",
        ));
    }
    // Even ports below `last` have their partner in the range.
    let mut from = u32::from(start);
    if from % 2 == 1 {
        from += 1;
    }
    if from >= last {
        from = low;
    }
    let in_use = |e: &io::Error| e.kind() == io::ErrorKind::AddrInUse;
    for p in (from..last).step_by(2).chain((low..from).step_by(2)) {
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
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("no free port pair in {}..={} on {ip}", first, last),
    ))
}
