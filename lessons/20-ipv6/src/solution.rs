// Lesson 20's exercise, solved: an allow-list that treats a mapped IPv4 client as IPv4.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

// ANCHOR: solution
/// May this peer be served? Yes when one of the rules holds its address, once a mapped
/// address (`::ffff:a.b.c.d`, RFC 4291 section 2.5.5.2) is taken for the IPv4 one it is.
pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    // The address the client really has: std's to_canonical unmaps ::ffff:a.b.c.d only.
    let ip = peer.ip().to_canonical();
    rules.iter().any(|rule| holds(rule, ip))
}

/// Are `ip`'s first `rule.prefix()` bits those of the rule's address? Only within a family.
fn holds(rule: &Net, ip: IpAddr) -> bool {
    match (rule.addr(), ip) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            let mask = first_bits(rule.prefix(), 32) as u32;
            u32::from(net) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) => {
            let mask = first_bits(rule.prefix(), 128);
            u128::from(net) & mask == u128::from(ip) & mask
        }
        _ => false, // an IPv4 rule never holds an IPv6 address, nor the other way round
    }
}

/// A mask of `width` bits whose first `prefix` are ones: `first_bits(12, 32)` is fff00000.
/// (Shifting by the whole width, at /0, is an overflow in Rust: checked_shl says so.)
fn first_bits(prefix: u8, width: u32) -> u128 {
    let ones = u128::MAX >> (128 - width); // `width` one bits
    ones.checked_shl(width - u32::from(prefix)).unwrap_or(0) & ones
}
// ANCHOR_END: solution
