// WRONG: unmaps only the address the demo shows, ::ffff:127.0.0.1; a client from any other
// IPv4 address (::ffff:192.0.2.7) is still shown mapped.

use std::net::{Ipv4Addr, SocketAddr};

pub fn unmap(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) if v6.ip().to_ipv4_mapped() == Some(Ipv4Addr::LOCALHOST) => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, v6.port()))
        }
        _ => addr,
    }
}
