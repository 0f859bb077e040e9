// CORRECT, written differently: every address as 128 bits, an IPv4 one as ::ffff:a.b.c.d with
// its prefix moved 96 bits on, and the families compared first (so ::/0 holds no IPv4
// client, though its bits would). The mask is built by shifting right, which never overflows.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

fn as_v6(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let is_v4 = peer.ip().to_canonical().is_ipv4();
    let bits = as_v6(peer.ip());
    rules.iter().any(|rule| {
        if rule.addr().is_ipv4() != is_v4 {
            return false;
        }
        let prefix = u32::from(rule.prefix()) + if is_v4 { 96 } else { 0 };
        let host = u128::MAX.checked_shr(prefix).unwrap_or(0); // the bits after the prefix
        (as_v6(rule.addr()) | host) == (bits | host)
    })
}
