// WRONG: `continue` on "address already in use" jumps over the `port += 1` at the bottom of
// the loop: the same taken port is tried again and again, for ever. (Found by the issue 11
// trial: the checks hung; they now stop a search that asks for the same address twice.)

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

// (The compiler says as much: `port += 1` is unreachable, so `port` never changes.)
#[allow(unused_mut, unreachable_code)]
pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, SocketAddr)> {
    let (first, last) = (*ports.start(), *ports.end());
    if first == 0 || first > last {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a range of ports"));
    }
    // u32, so that 65535 + 1 does not overflow.
    let mut port = u32::from(first);
    while port <= u32::from(last) {
        let addr = SocketAddr::new(ip, port as u16);
        match bind(addr) {
            Ok(socket) => {
                let own = socket.local_addr()?.as_socket();
                let own = own.ok_or_else(|| io::Error::other("not an IP address"))?;
                return Ok((socket, own));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
        port += 1;
    }
    let why = format!("ports {first}-{last} are all in use");
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}
