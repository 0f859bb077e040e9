// WRONG: a plain connect() on the socket, with no time limit: against an address that does
// not answer at all, it waits as long as the kernel resends SYN (about two minutes on Linux).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{SockAddr, Socket};

use crate::Connector;

pub fn connect_first(
    addrs: &[SocketAddr],
    _timeout: Duration,
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
        match socket.connect(&SockAddr::from(addr)) {
            Ok(()) => return Ok((socket, addr)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address")))
}
