// WRONG: unmaps the rules as well as the peer: the IPv6 rule ::ffff:10.1.2.3/128 is taken for
// the IPv4 rule 10.1.2.3 (its prefix, beyond 32, clamped), so an IPv6 rule holds an IPv4
// client, and the answer is not the one a server on 0.0.0.0 gives.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = peer.ip().to_canonical();
    rules
        .iter()
        .any(|rule| match (rule.addr().to_canonical(), ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let prefix = u32::from(rule.prefix()).min(32);
                let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(rule.prefix()))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        })
}
