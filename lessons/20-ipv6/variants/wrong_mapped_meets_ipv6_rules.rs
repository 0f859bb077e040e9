// WRONG: takes the peer as accept() gave it: an IPv4 client of a dual-stack socket,
// [::ffff:10.1.2.3], meets only the IPv6 rules (::/0 lets it in, 10.0.0.0/8 does not), so the
// same client is treated one way on [::] and another on 0.0.0.0.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    rules.iter().any(|rule| match (rule.addr(), peer.ip()) {
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
