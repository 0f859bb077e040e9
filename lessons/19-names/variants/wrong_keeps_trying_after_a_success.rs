// WRONG: tries every address even after one has connected, and keeps the last connection:
// it opens connections nobody uses (and waits for every timeout on the way).

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    mut connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut result = Err(io::Error::new(io::ErrorKind::InvalidInput, "no addresses"));
    for &addr in addrs {
        match connect(addr) {
            Ok(stream) => result = Ok(stream),
            Err(e) if result.is_err() => result = Err(e),
            Err(_) => {}
        }
    }
    result
}
