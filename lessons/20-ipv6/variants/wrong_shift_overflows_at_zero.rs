// WRONG: builds the mask as `u32::MAX << (32 - LEN)`: at /0 that shifts by the whole width,
// which Rust refuses ("attempt to shift left with overflow" in a debug build; in a release
// build the shift wraps to 0 bits and /0 holds one address only).

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = peer.ip().to_canonical();
    rules.iter().any(|rule| match (rule.addr(), ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            let mask = u32::MAX << (32 - u32::from(rule.prefix()));
            u32::from(net) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) => {
            let mask = u128::MAX << (128 - u32::from(rule.prefix()));
            u128::from(net) & mask == u128::from(ip) & mask
        }
        _ => false,
    })
}
