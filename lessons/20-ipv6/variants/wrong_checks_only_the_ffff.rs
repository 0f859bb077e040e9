// WRONG: takes any address whose sixth group is ffff for a mapped one, without checking that
// the 80 bits before it are zero: a global IPv6 address such as 2001:db8::ffff:c000:221 is
// told it is 192.0.2.33.

use std::net::SocketAddr;

pub fn unmap(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) if v6.ip().segments()[5] == 0xffff => {
            let o = v6.ip().octets();
            let v4 = std::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]);
            SocketAddr::new(v4.into(), v6.port())
        }
        SocketAddr::V6(_) => addr,
        SocketAddr::V4(_) => addr,
    }
}
