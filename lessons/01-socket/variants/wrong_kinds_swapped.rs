// WRONG: the kinds swapped (a stream is "the one that sends datagrams"): the stream socket
// is UDP, and cannot listen() or carry a TCP connection.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Socket, Type};

use crate::Kind;

pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let ty = match kind {
        Kind::Stream => Type::DGRAM,
        Kind::Datagram => Type::STREAM,
    };
    Socket::new(Domain::for_address(addr), ty, None)
}
