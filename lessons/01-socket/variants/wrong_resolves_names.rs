// WRONG: resolves a name in the spec (tcp://localhost:80) and takes its first address: the
// socket's family is then the resolver's first choice, IPv6 or IPv4, which the spec did not
// say (chapter 19 tries each address of a name; socket_for takes addresses only).

use std::io;
use std::net::ToSocketAddrs;

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
    let host = rest.strip_prefix("//").ok_or_else(|| bad("expected //"))?;
    let addr = host
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| bad("no such host"))?;
    let socket = Socket::new(Domain::for_address(addr), ty, Some(protocol))?;
    Ok((socket, SockAddr::from(addr)))
}
