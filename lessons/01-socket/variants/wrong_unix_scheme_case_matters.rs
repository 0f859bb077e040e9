// WRONG: compares tcp and udp without case but unix as written: UNIX:/tmp/x is refused,
// though a scheme may be written in any case (RFC 3986, section 3.1).

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

fn bad(spec: &str, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("bad endpoint {spec:?}: {why}"))
}

pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let Some((scheme, rest)) = spec.split_once(':') else {
        return Err(bad(spec, "no scheme (tcp://, udp://, unix:)"));
    };
    if scheme == "unix" {
        if rest.is_empty() {
            return Err(bad(spec, "unix: needs a path"));
        }
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        return Ok((socket, SockAddr::unix(rest).map_err(|_| bad(spec, "path too long"))?));
    }
    let (kind, protocol) = if scheme.eq_ignore_ascii_case("tcp") {
        (Type::STREAM, Protocol::TCP)
    } else if scheme.eq_ignore_ascii_case("udp") {
        (Type::DGRAM, Protocol::UDP)
    } else {
        return Err(bad(spec, "the scheme is not tcp, udp or unix"));
    };
    let Some(addr) = rest.strip_prefix("//") else {
        return Err(bad(spec, "expected // after the scheme"));
    };
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| bad(spec, "not IP:PORT (an IPv6 address in brackets)"))?;
    let socket = Socket::new(Domain::for_address(addr), kind, Some(protocol))?;
    Ok((socket, addr.into()))
}
