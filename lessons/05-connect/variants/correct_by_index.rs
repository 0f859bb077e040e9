// CORRECT, written differently: an index loop that checks "is this the last one?" and
// returns that try's error directly, and its own words for the empty list.

use std::io::{Error, ErrorKind, Result};
use std::net::SocketAddr;
use std::time::Duration;

use socket2::Socket;

use crate::Connector;

pub fn connect_first(
    addrs: &[SocketAddr],
    timeout: Duration,
    connector: &mut impl Connector,
) -> Result<(Socket, SocketAddr)> {
    if addrs.is_empty() {
        return Err(Error::new(ErrorKind::InvalidInput, "nothing to try"));
    }
    let mut i = 0;
    loop {
        let addr = addrs[i];
        let tried = connector.socket(addr).and_then(|socket| {
            connector
                .connect_timeout(&socket, addr, timeout)
                .map(|()| socket)
        });
        if let Ok(socket) = tried {
            break Ok((socket, addr));
        }
        i += 1;
        if i == addrs.len() {
            break tried.map(|socket| (socket, addr));
        }
    }
}
