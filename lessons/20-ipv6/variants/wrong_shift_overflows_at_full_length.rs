// WRONG: builds the mask as `!(u32::MAX >> LEN)`: fine at /0, but at /32 (and /128) it
// shifts by the whole width, which Rust refuses ("attempt to shift right with overflow" in a
// debug build), so a rule for one address panics.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = peer.ip().to_canonical();
    rules.iter().any(|net| holds(net, ip))
}

/// Same family, and the same first `prefix` bits.
fn holds(net: &Net, ip: IpAddr) -> bool {
    let prefix = u32::from(net.prefix());
    match (net.addr(), ip) {
        (IpAddr::V4(rule), IpAddr::V4(addr)) => {
            let mask = !(u32::MAX >> prefix);
            u32::from(rule) & mask == u32::from(addr) & mask
        }
        (IpAddr::V6(rule), IpAddr::V6(addr)) => {
            let mask = !(u128::MAX >> prefix);
            u128::from(rule) & mask == u128::from(addr) & mask
        }
        _ => false,
    }
}
