// WRONG: takes the address apart by hand: brackets stripped, the host parsed as an IP address
// and the port with str::parse::<u16>, which accepts a sign: tcp://127.0.0.1:+80 is port 80
// and tcp://[127.0.0.1]:80 passes for an address, where std's SocketAddr parser refuses both.

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
    let (host, port) = match addr.strip_prefix('[') {
        Some(inside) => inside.split_once("]:").ok_or_else(|| bad(spec, "no port"))?,
        None => addr.rsplit_once(':').ok_or_else(|| bad(spec, "no port"))?,
    };
    let ip: std::net::IpAddr = if addr.starts_with('[') {
        host.parse().map_err(|_| bad(spec, "not an IP address"))?
    } else {
        let v4: std::net::Ipv4Addr = host.parse().map_err(|_| bad(spec, "not an IP address"))?;
        v4.into()
    };
    let port: u16 = port.parse().map_err(|_| bad(spec, "not a port"))?;
    let addr = SocketAddr::new(ip, port);
    let socket = Socket::new(Domain::for_address(addr), kind, Some(protocol))?;
    Ok((socket, addr.into()))
}
