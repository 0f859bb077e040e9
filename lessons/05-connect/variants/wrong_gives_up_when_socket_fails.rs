// WRONG: goes on after a failed connect, but passes a failed socket() up with `?`: on a
// machine without IPv6, a name whose first address is IPv6 (localhost: ::1, then 127.0.0.1)
// never reaches its IPv4 address, which would have answered.

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
        let socket = connector.socket(addr)?;
        match connector.connect_timeout(&socket, addr, timeout) {
            Ok(()) => return Ok((socket, addr)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")))
}
