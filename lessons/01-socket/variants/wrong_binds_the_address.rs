// WRONG: binds the socket to the spec's address as well: socket_for only creates (bind is
// chapter 2's call, and the lesson's own); a socket binds once, so the server's bind() fails.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("{spec:?}: {why}"));
    let (scheme, rest) = spec.split_once(':').ok_or_else(|| bad("no scheme"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme == "unix" {
        if rest.is_empty() {
            return Err(bad("unix: needs a path"));
        }
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        return Ok((socket, SockAddr::unix(rest).map_err(|_| bad("path too long"))?));
    }
    let (ty, protocol) = match scheme.as_str() {
        "tcp" => (Type::STREAM, Protocol::TCP),
        "udp" => (Type::DGRAM, Protocol::UDP),
        _ => return Err(bad("the scheme is tcp://, udp:// or unix:")),
    };
    let addr = rest.strip_prefix("//").ok_or_else(|| bad("expected //"))?;
    let addr: SocketAddr = addr.parse().map_err(|_| bad("not IP:PORT"))?;
    let socket = Socket::new(Domain::for_address(addr), ty, Some(protocol))?;
    // Bind a loopback address of the family, so that any spec's address can be taken here.
    let local = match addr {
        SocketAddr::V4(_) => SocketAddr::from(([127, 0, 0, 1], 0)),
        SocketAddr::V6(_) => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 0)),
    };
    socket.bind(&local.into())?;
    Ok((socket, SockAddr::from(addr)))
}
