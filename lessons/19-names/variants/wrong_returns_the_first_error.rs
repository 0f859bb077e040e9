// WRONG: when every address fails, returns the FIRST error, not the last one: the caller is
// told "refused" about an attempt that in fact timed out last.

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    mut connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut first_error = None;
    for &addr in addrs {
        match connect(addr) {
            Ok(stream) => return Ok(stream),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no addresses")))
}
