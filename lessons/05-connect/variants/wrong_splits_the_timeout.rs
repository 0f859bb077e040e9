// WRONG: shares the time limit out among the addresses ("the whole connect must not take
// longer than `timeout`"): the contract gives EACH try the whole `timeout`, and a server on a
// slow link that needed it is now given up on after a fraction of it.

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
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to connect to",
        ));
    }
    let each = timeout / addrs.len() as u32;
    let mut last_error = None;
    for &addr in addrs {
        let tried = connector.socket(addr).and_then(|socket| {
            connector
                .connect_timeout(&socket, addr, each)
                .map(|()| socket)
        });
        match tried {
            Ok(socket) => return Ok((socket, addr)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.expect("at least one try"))
}
