// Reference solution for lesson 01's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::Kind;

// ANCHOR: solution
/// A new socket that can talk to (or listen on) `addr`, of the given kind.
pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    // The address family must match the address: IPv4 (AF_INET) or IPv6 (AF_INET6).
    let domain = Domain::for_address(addr);
    // The type and the protocol go together: a stream is TCP, a datagram is UDP.
    let (ty, protocol) = match kind {
        Kind::Stream => (Type::STREAM, Protocol::TCP),
        Kind::Datagram => (Type::DGRAM, Protocol::UDP),
    };
    Socket::new(domain, ty, Some(protocol))
}
// ANCHOR_END: solution
