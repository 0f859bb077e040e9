// WRONG: when every address fails, returns an error of its own ("could not connect"), and the
// kind of what really happened (refused, timed out) is lost.

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    mut connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no addresses"));
    }
    for &addr in addrs {
        if let Ok(stream) = connect(addr) {
            return Ok(stream);
        }
    }
    Err(io::Error::other("could not connect to any address"))
}
