// WRONG: makes the socket before it reads the address, as a raw descriptor, and returns early
// when the address is refused without closing it: one descriptor lost per bad spec, until
// socket() fails with EMFILE.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, IntoRawFd};

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
        // A local socket: no IP, no TCP. Protocol None is 0, the type's default.
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        return Ok((socket, SockAddr::unix(rest).map_err(|_| bad("path too long"))?));
    }
    // The type and the protocol go together, and come from the scheme.
    let (ty, protocol) = match scheme.as_str() {
        "tcp" => (Type::STREAM, Protocol::TCP),
        "udp" => (Type::DGRAM, Protocol::UDP),
        _ => return Err(bad("the scheme is tcp://, udp:// or unix:")),
    };
    // The socket first, its family guessed from the brackets; the address is read after.
    let family = if rest.contains('[') {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let fd = Socket::new(family, ty, Some(protocol))?.into_raw_fd();
    let addr = rest.strip_prefix("//").ok_or_else(|| bad("expected //"))?;
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| bad("not IP:PORT (an IP address, not a name, then a port)"))?;
    // The family comes from the address: IPv4 (AF_INET) or IPv6 (AF_INET6).
    // SAFETY: fd is the socket made above, owned by nothing else.
    let socket = unsafe { Socket::from_raw_fd(fd) };
    Ok((socket, SockAddr::from(addr)))
}
