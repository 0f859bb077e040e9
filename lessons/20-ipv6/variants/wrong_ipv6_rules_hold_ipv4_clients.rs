// WRONG: maps every IPv4 address to ::ffff:a.b.c.d (prefix + 96) and compares 128 bits, but
// never the families: ::/0 and ::ffff:0:0/96, IPv6 rules, then let every IPv4 client in.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

fn as_v6(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = as_v6(peer.ip());
    rules.iter().any(|rule| {
        let prefix = u32::from(rule.prefix()) + if rule.addr().is_ipv4() { 96 } else { 0 };
        let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
        as_v6(rule.addr()) & mask == ip & mask
    })
}
