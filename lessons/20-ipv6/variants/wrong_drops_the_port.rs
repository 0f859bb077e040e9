// WRONG: unmaps the IP address but builds the new address with port 0: the client is told
// 127.0.0.1:0 instead of the port it connected from.

use std::net::SocketAddr;

pub fn unmap(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::from((v4, 0)),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}
