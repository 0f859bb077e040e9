//! A plausible wrong answer to lesson 19's exercise, kept to prove the tests catch it: it
//! connects to the first address only, as `TcpStream::connect(addrs[0])` would. Where
//! localhost gives `::1` first and the server listens on 127.0.0.1 only, it is refused.

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    mut connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    match addrs.first() {
        Some(&addr) => connect(addr),
        None => Err(io::Error::new(io::ErrorKind::InvalidInput, "no addresses")),
    }
}
