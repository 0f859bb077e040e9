// WRONG: masks the peer's address but not the rule's: 10.9.9.9/8 then holds nothing, since
// no masked address ends in .9.9.9 (the bits after the prefix must play no part).

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = peer.ip().to_canonical();
    rules.iter().any(|rule| match (rule.addr(), ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(rule.prefix())).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net)
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(rule.prefix())).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net)
        }
        _ => false,
    })
}
