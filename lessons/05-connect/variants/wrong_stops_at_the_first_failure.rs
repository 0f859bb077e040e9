// WRONG: `?` on connect_timeout: the first address that refuses ends the whole connect, and
// the addresses after it (which may answer) are never tried.

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
    for &addr in addrs {
        let socket = connector.socket(addr)?;
        connector.connect_timeout(&socket, addr, timeout)?;
        return Ok((socket, addr));
    }
    Err(io::Error::new(io::ErrorKind::InvalidInput, "no address"))
}
