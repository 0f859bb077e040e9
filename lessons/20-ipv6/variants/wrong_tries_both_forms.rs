// WRONG: asks the rules about the peer twice, as accept() gave it and unmapped: the mapped
// IPv4 client [::ffff:10.1.2.3] then meets the IPv6 rules too, and ::/0 lets it in, which it
// would not on a server listening on 0.0.0.0.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let (given, unmapped) = (peer.ip(), peer.ip().to_canonical());
    rules
        .iter()
        .any(|net| holds(net, given) || holds(net, unmapped))
}

/// Same family, and the same first `prefix` bits.
fn holds(net: &Net, ip: IpAddr) -> bool {
    let prefix = u32::from(net.prefix());
    match (net.addr(), ip) {
        (IpAddr::V4(rule), IpAddr::V4(addr)) => {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            u32::from(rule) & mask == u32::from(addr) & mask
        }
        (IpAddr::V6(rule), IpAddr::V6(addr)) => {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            u128::from(rule) & mask == u128::from(addr) & mask
        }
        _ => false,
    }
}
