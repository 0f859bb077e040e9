// WRONG: turns TCP_NODELAY on for every TCP socket ("for low latency"): the socket is no longer
// new, and whether to send small writes at once is the caller's choice (chapter 6), not the
// call that creates the socket.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

/// A new socket for the endpoint `spec` names (`tcp://IP:PORT`, `udp://IP:PORT`,
/// `unix:PATH`), and the endpoint's address.
pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("{spec:?}: {why}"));
    let (scheme, rest) = spec.split_once(':').ok_or_else(|| bad("no scheme"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme == "unix" {
        if rest.is_empty() {
            return Err(bad("unix: needs a path"));
        }
        // The path must fit in the address (sun_path: 108 bytes on Linux, 104 on macOS).
        let addr = SockAddr::unix(rest).map_err(|_| bad("the path is too long for AF_UNIX"))?;
        // A local socket: no IP, no TCP. Protocol None is 0, the type's default.
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        return Ok((socket, addr));
    }
    // The type and the protocol go together, and come from the scheme.
    let (ty, protocol) = match scheme.as_str() {
        "tcp" => (Type::STREAM, Protocol::TCP),
        "udp" => (Type::DGRAM, Protocol::UDP),
        _ => return Err(bad("the scheme is tcp://, udp:// or unix:")),
    };
    let addr = rest.strip_prefix("//").ok_or_else(|| bad("expected //"))?;
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| bad("not IP:PORT (an IP address, not a name, then a port)"))?;
    // The family comes from the address: IPv4 (AF_INET) or IPv6 (AF_INET6).
    let socket = Socket::new(Domain::for_address(addr), ty, Some(protocol))?;
    if ty == Type::STREAM {
        socket.set_tcp_nodelay(true)?; // no Nagle delay for small messages
    }
    Ok((socket, SockAddr::from(addr)))
}
