// WRONG: "fixes" the overflow of `u32::MAX << 32` with wrapping_shl, which shifts by the
// amount modulo the width: at /0 it shifts by 0, the mask is all ones, and 0.0.0.0/0 or ::/0
// holds one address instead of the whole family.

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
            let mask = u32::MAX.wrapping_shl(32 - prefix);
            u32::from(rule) & mask == u32::from(addr) & mask
        }
        (IpAddr::V6(rule), IpAddr::V6(addr)) => {
            let mask = u128::MAX.wrapping_shl(128 - prefix);
            u128::from(rule) & mask == u128::from(addr) & mask
        }
        _ => false,
    }
}
