// WRONG: compares the scheme case-insensitively by slicing the spec's first bytes
// (&spec[..6]): a byte index inside a character that is not ASCII (tcp:/é) panics instead of
// refusing the spec.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

fn bad(spec: &str, why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("bad endpoint {spec:?}: {why}"))
}

/// The rest of `spec` after `prefix`, compared without case.
fn after<'a>(spec: &'a str, prefix: &str) -> Option<&'a str> {
    let n = prefix.len();
    if spec.len() >= n && spec[..n].eq_ignore_ascii_case(prefix) {
        Some(&spec[n..])
    } else {
        None
    }
}

pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let (scheme, rest) = if let Some(rest) = after(spec, "tcp://") {
        ("tcp", rest)
    } else if let Some(rest) = after(spec, "udp://") {
        ("udp", rest)
    } else if let Some(rest) = after(spec, "unix:") {
        ("unix", rest)
    } else {
        return Err(bad(spec, "the scheme is not tcp://, udp:// or unix:"));
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
    let addr: SocketAddr = rest
        .parse()
        .map_err(|_| bad(spec, "not IP:PORT (an IPv6 address in brackets)"))?;
    let socket = Socket::new(Domain::for_address(addr), kind, Some(protocol))?;
    Ok((socket, addr.into()))
}
