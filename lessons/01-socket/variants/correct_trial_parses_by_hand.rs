// CORRECT, written differently: the spec taken apart by hand, each piece checked against the
// contract (a prefix compared without case through str::get, which never panics; the port
// checked for digits before u16's parser, which takes a sign; an IPv4 address outside
// brackets and an IPv6 one inside), where the solution leaves the address to SocketAddr.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let refuse = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not an endpoint spec: {spec:?} ({why})"),
        )
    };
    // The scheme, compared without regard to case. `get` never panics on a byte index
    // inside a multi-byte character: it gives None instead.
    let after = |scheme: &str| {
        spec.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &spec[scheme.len()..])
    };
    if let Some(path) = after("unix:") {
        if path.is_empty() {
            return Err(refuse("unix: needs a path"));
        }
        let addr = SockAddr::unix(path).map_err(|_| refuse("the path is too long for AF_UNIX"))?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        return Ok((socket, addr));
    }
    let (kind, protocol, rest) = if let Some(rest) = after("tcp://") {
        (Type::STREAM, Protocol::TCP, rest)
    } else if let Some(rest) = after("udp://") {
        (Type::DGRAM, Protocol::UDP, rest)
    } else {
        return Err(refuse("expected tcp://IP:PORT, udp://IP:PORT or unix:PATH"));
    };
    let Some((host, port)) = rest.rsplit_once(':') else {
        return Err(refuse("no port"));
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse("the port is not a number"));
    }
    let port: u16 = port
        .parse()
        .map_err(|_| refuse("the port is not from 0 to 65535"))?;
    let ip: IpAddr = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        match inner.parse::<Ipv6Addr>() {
            Ok(ip) => IpAddr::V6(ip),
            Err(_) => return Err(refuse("only an IPv6 address goes in brackets")),
        }
    } else {
        match host.parse::<Ipv4Addr>() {
            Ok(ip) => IpAddr::V4(ip),
            Err(_) => return Err(refuse("not an IPv4 address, and IPv6 needs brackets")),
        }
    };
    let addr = SocketAddr::new(ip, port);
    let socket = Socket::new(Domain::for_address(addr), kind, Some(protocol))?;
    Ok((socket, SockAddr::from(addr)))
}
