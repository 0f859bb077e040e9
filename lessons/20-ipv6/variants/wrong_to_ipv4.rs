// WRONG: unmaps with `Ipv6Addr::to_ipv4`, which also takes the deprecated IPv4-compatible
// form ::a.b.c.d for IPv4: the client on ::1 becomes 0.0.0.1, and the rule ::1/128 no
// longer holds it.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = match peer.ip() {
        IpAddr::V6(v6) => v6.to_ipv4().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    rules.iter().any(|rule| match (rule.addr(), ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(rule.prefix())).unwrap_or(0);
            u32::from(net) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(rule.prefix())).unwrap_or(0);
            u128::from(net) & mask == u128::from(ip) & mask
        }
        _ => false,
    })
}
