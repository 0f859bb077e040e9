// WRONG: lower-cases the whole spec to compare the scheme: the path of unix:/tmp/Lesson.Sock
// is changed too, and the socket is for another file than the one the spec names.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

fn bad(spec: &str, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("bad endpoint {spec:?}: {why}"))
}

pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let lowered = spec.to_lowercase();
    let Some((scheme, rest)) = lowered.split_once(':') else {
        return Err(bad(spec, "no scheme (tcp://, udp://, unix:)"));
    };
    if scheme.eq_ignore_ascii_case("unix") {
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
