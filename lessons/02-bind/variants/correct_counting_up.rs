// CORRECT, written differently: the range's ends checked by hand, a counter that stops AT the
// last port instead of stepping past it (so 65535 needs no port 65536), the socket's address
// converted by a match on the IP version, and other error texts.

use std::io::{Error, ErrorKind, Result};
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

use socket2::Socket;

pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    mut bind: impl FnMut(SocketAddr) -> Result<Socket>,
) -> Result<(Socket, SocketAddr)> {
    let (low, high) = ports.into_inner();
    if low == 0 || low > high {
        let why = format!("{low}..={high}: ports go from 1 to 65535, low to high");
        return Err(Error::new(ErrorKind::InvalidInput, why));
    }
    let mut port = low;
    loop {
        match bind(SocketAddr::new(ip, port)) {
            Ok(socket) => {
                let own = socket.local_addr()?;
                let own = match (own.as_socket_ipv4(), own.as_socket_ipv6()) {
                    (Some(v4), _) => SocketAddr::V4(v4),
                    (None, Some(v6)) => SocketAddr::V6(v6),
                    (None, None) => return Err(Error::new(ErrorKind::Unsupported, "not IP")),
                };
                return Ok((socket, own));
            }
            Err(e) if e.kind() != ErrorKind::AddrInUse => return Err(e),
            Err(_) if port == high => break,
            Err(_) => port += 1,
        }
    }
    let why = format!("no free port on {ip} from {low} to {high}");
    Err(Error::new(ErrorKind::AddrInUse, why))
}
