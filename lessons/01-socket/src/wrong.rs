//! A plausible wrong answer to lesson 01's exercise, kept to prove the tests catch it:
//! it always makes an IPv4 socket, so an IPv6 address cannot be bound or reached.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Stream,
    Datagram,
}

pub fn new_socket(_addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let (ty, protocol) = match kind {
        Kind::Stream => (Type::STREAM, Protocol::TCP),
        Kind::Datagram => (Type::DGRAM, Protocol::UDP),
    };
    Socket::new(Domain::IPV4, ty, Some(protocol))
}
