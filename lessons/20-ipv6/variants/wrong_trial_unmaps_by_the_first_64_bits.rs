// WRONG: takes an IPv6 address for a mapped one when its first 64 bits are zero and its sixth
// group is ffff, without checking the fifth group: ::1:ffff:a00:1 is taken for 10.0.0.1,
// though a mapped address starts with 80 zero bits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = match peer.ip() {
        IpAddr::V6(v6) if v6.segments()[..4] == [0; 4] && v6.segments()[5] == 0xffff => {
            let o = v6.octets();
            IpAddr::V4(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
        }
        other => other,
    };
    rules.iter().any(|rule| match (rule.addr(), ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(rule.prefix()))
                .unwrap_or(0);
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
