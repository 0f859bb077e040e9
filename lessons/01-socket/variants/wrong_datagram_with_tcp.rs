// WRONG: the protocol is always TCP, whatever the type: a datagram socket with TCP does not
// exist, and socket() fails (EPROTONOSUPPORT: "protocol not supported").

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::Kind;

pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let ty = match kind {
        Kind::Stream => Type::STREAM,
        Kind::Datagram => Type::DGRAM,
    };
    Socket::new(Domain::for_address(addr), ty, Some(Protocol::TCP))
}
