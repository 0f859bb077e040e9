// WRONG: always AF_INET, whatever the address: an IPv6 address ([::1]) can then be neither
// bound nor reached.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::Kind;

pub fn new_socket(_addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let (ty, protocol) = match kind {
        Kind::Stream => (Type::STREAM, Protocol::TCP),
        Kind::Datagram => (Type::DGRAM, Protocol::UDP),
    };
    Socket::new(Domain::IPV4, ty, Some(protocol))
}
