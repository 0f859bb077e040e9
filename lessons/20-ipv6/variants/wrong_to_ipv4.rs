// WRONG: `Ipv6Addr::to_ipv4` also converts the old "IPv4-compatible" form `::a.b.c.d`, and
// `::1` is one to it: the client on [::1] is told it is 0.0.0.1.

use std::net::SocketAddr;

pub fn unmap(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4() {
            Some(v4) => SocketAddr::from((v4, v6.port())),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}
