// WRONG: "IPv6 is often broken, try IPv4 first": sorts the addresses by family. The resolver
// already ordered them (RFC 6724, and the system's policy in /etc/gai.conf); reordering
// overrides the host's choice, and a name whose IPv6 works is reached over IPv4.

use std::io;
use std::net::{SocketAddr, TcpStream};

pub fn connect_any(
    addrs: &[SocketAddr],
    connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut connect = connect;
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
    let mut sorted = addrs.to_vec();
    sorted.sort_by_key(|a| !a.is_ipv4());
    for addr in sorted {
        match connect(addr) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}
