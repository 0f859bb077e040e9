// CORRECT, written differently: the scheme found with strip_prefix after lower-casing only
// its letters, the family from a match on the address itself, and protocol None (0: the
// kernel picks the type's usual protocol, TCP for a stream, UDP for datagrams).

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, SockAddr, Socket, Type};

pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not an endpoint: {spec} (try tcp://127.0.0.1:7001)"),
        )
    };
    let colon = spec.find(':').ok_or_else(invalid)?;
    let lower = format!("{}{}", spec[..colon].to_lowercase(), &spec[colon..]);
    if let Some(path) = lower.strip_prefix("unix:") {
        if path.is_empty() {
            return Err(invalid());
        }
        let path = &spec[5..]; // the path as written, case kept
        let addr = SockAddr::unix(path).map_err(|_| invalid())?; // too long for sun_path
        return Ok((Socket::new(Domain::UNIX, Type::STREAM, None)?, addr));
    }
    let (ty, rest) = if let Some(rest) = lower.strip_prefix("tcp://") {
        (Type::STREAM, rest)
    } else if let Some(rest) = lower.strip_prefix("udp://") {
        (Type::DGRAM, rest)
    } else {
        return Err(invalid());
    };
    let addr: SocketAddr = rest.parse().map_err(|_| invalid())?;
    let domain = match addr {
        SocketAddr::V4(_) => Domain::IPV4,
        SocketAddr::V6(_) => Domain::IPV6,
    };
    Ok((Socket::new(domain, ty, None)?, addr.into()))
}
