// WRONG: switches the socket to non-blocking mode ("so the server never hangs"): accept() and
// recv() then return WouldBlock at once instead of waiting, and the lesson's server stops at
// its first accept(). A new socket is in blocking mode; chapter 12 is where that changes.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::Kind;

pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let (ty, protocol) = match kind {
        Kind::Stream => (Type::STREAM, Protocol::TCP),
        Kind::Datagram => (Type::DGRAM, Protocol::UDP),
    };
    let socket = Socket::new(Domain::for_address(addr), ty, Some(protocol))?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}
