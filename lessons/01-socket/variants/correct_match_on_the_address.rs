// CORRECT, written differently: the family from a match on the address itself (not
// Domain::for_address), and protocol 0, which lets the kernel pick the usual protocol of the
// type (TCP for a stream, UDP for datagrams).

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Socket, Type};

use crate::Kind;

pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let family = match addr {
        SocketAddr::V4(_) => Domain::IPV4,
        SocketAddr::V6(_) => Domain::IPV6,
    };
    let socket_type = if kind == Kind::Datagram {
        Type::DGRAM
    } else {
        Type::STREAM
    };
    Socket::new(family, socket_type, None)
}
