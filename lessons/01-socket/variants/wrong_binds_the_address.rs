// WRONG: binds the new socket to `addr` ("a socket for this address"): socket() only creates
// it, and binding is the next call's job (chapter 2). A socket bound here cannot be bound
// again (bind() fails with EINVAL), and `0.0.0.0:7001` would take port 7001 for any caller.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, SockAddr, Socket, Type};

use crate::Kind;

pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let ty = match kind {
        Kind::Stream => Type::STREAM,
        Kind::Datagram => Type::DGRAM,
    };
    let socket = Socket::new(Domain::for_address(addr), ty, None)?;
    socket.bind(&SockAddr::from(addr))?;
    Ok(socket)
}
