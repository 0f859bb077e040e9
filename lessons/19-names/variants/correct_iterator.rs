// CORRECT, written differently: an iterator that stops at the first success (`find_map`),
// keeping each error on the way; other error text for the empty list.

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    mut connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut error = io::Error::new(io::ErrorKind::InvalidInput, "the name has no address");
    let won = addrs.iter().find_map(|&addr| match connect(addr) {
        Ok(stream) => Some(stream),
        Err(e) => {
            error = e;
            None
        }
    });
    won.ok_or(error)
}
