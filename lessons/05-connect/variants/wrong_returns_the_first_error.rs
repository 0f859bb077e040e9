// WRONG: keeps the FIRST error, not the last: when one address refuses and the next times
// out, the caller is told "refused", which is not why the connect finally failed.

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
    let mut first_error = None;
    for &addr in addrs {
        let socket = match connector.socket(addr) {
            Ok(socket) => socket,
            Err(e) => {
                first_error.get_or_insert(e);
                continue;
            }
        };
        match connector.connect_timeout(&socket, addr, timeout) {
            Ok(()) => return Ok((socket, addr)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address")))
}
