// WRONG: turns every address into one number (an IPv4 one as the low 32 bits) and masks it by
// the rule's width, whatever the peer's family: 10.0.0.0/8 holds [2001:db8::a00:1] by its
// last 32 bits, and 0.0.0.0/0 holds every IPv6 client.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

fn number(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = number(peer.ip().to_canonical());
    rules.iter().any(|rule| {
        let width = if rule.addr().is_ipv4() { 32 } else { 128 };
        let ones = u128::MAX >> (128 - width);
        let mask = ones.checked_shl(width - u32::from(rule.prefix())).unwrap_or(0) & ones;
        number(rule.addr()) & mask == ip & mask
    })
}
