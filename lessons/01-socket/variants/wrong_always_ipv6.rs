// WRONG: always AF_INET6 ("IPv6 is the future, and it can talk IPv4 too"): an IPv6 socket
// cannot bind an IPv4 address such as 127.0.0.1, so every IPv4 server fails at bind().

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::Kind;

pub fn new_socket(_addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let (ty, protocol) = match kind {
        Kind::Stream => (Type::STREAM, Protocol::TCP),
        Kind::Datagram => (Type::DGRAM, Protocol::UDP),
    };
    Socket::new(Domain::IPV6, ty, Some(protocol))
}
