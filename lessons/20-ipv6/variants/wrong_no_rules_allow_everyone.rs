// WRONG: an empty list lets everyone in ("no rules, no limits"): the contract says no rules
// allow no one (the server itself decides not to ask when no --allow was given).

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    if rules.is_empty() {
        return true;
    }
    let ip = peer.ip().to_canonical();
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
