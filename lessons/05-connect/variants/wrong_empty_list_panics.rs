// WRONG: unwraps the last error, which does not exist when there was no address at all:
// an empty list panics instead of returning an error.

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
    let mut last_error = None;
    for &addr in addrs {
        let socket = match connector.socket(addr) {
            Ok(socket) => socket,
            Err(e) => {
                last_error = Some(e);
                continue;
            }
        };
        match connector.connect_timeout(&socket, addr, timeout) {
            Ok(()) => return Ok((socket, addr)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap())
}
