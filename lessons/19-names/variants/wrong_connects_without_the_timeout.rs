// WRONG: connects with `TcpStream::connect` itself instead of the `connect` it was given, so
// the per-attempt timeout is gone: an address that never answers holds the client for the
// kernel's whole SYN retry time (over two minutes on Linux), and the attempts go unnarrated.

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    _connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut last_error = None;
    for &addr in addrs {
        match TcpStream::connect(addr) {
            Ok(stream) => return Ok(stream),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no addresses")))
}
