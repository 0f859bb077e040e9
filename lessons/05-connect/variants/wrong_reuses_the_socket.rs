// WRONG: one socket for every try: after a failed connect() a socket is in an unspecified
// state, and the next connect on it may fail or misbehave. Each try needs a new socket.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::Socket;

use crate::Connector;

pub fn connect_first(
    addrs: &[SocketAddr],
    timeout: Duration,
    connector: &mut impl Connector,
) -> io::Result<(Socket, SocketAddr)> {
    let Some(&first) = addrs.first() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no address"));
    };
    let socket = connector.socket(first)?;
    let mut last_error = None;
    for &addr in addrs {
        match connector.connect_timeout(&socket, addr, timeout) {
            Ok(()) => return Ok((socket, addr)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap())
}
