// WRONG: unmaps by hand, checking that the first 80 bits are zero but not the 16 one bits
// after them: the IPv4-compatible ::a.b.c.d is taken for IPv4 too, so the client on ::1 is
// 0.0.0.1 and ::1/128 no longer holds it (the same slip as Ipv6Addr::to_ipv4).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = match peer.ip() {
        IpAddr::V6(v6) if v6.segments()[..5] == [0; 5] => {
            let [.., a, b, c, d] = v6.octets();
            IpAddr::V4(Ipv4Addr::new(a, b, c, d))
        }
        other => other,
    };
    rules.iter().any(|net| holds(net, ip))
}

/// Same family, and the same first `prefix` bits.
fn holds(net: &Net, ip: IpAddr) -> bool {
    let prefix = u32::from(net.prefix());
    match (net.addr(), ip) {
        (IpAddr::V4(rule), IpAddr::V4(addr)) => {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            u32::from(rule) & mask == u32::from(addr) & mask
        }
        (IpAddr::V6(rule), IpAddr::V6(addr)) => {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            u128::from(rule) & mask == u128::from(addr) & mask
        }
        _ => false,
    }
}
