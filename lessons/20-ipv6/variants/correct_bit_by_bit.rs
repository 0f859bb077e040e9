// CORRECT, written differently: the mapped prefix recognised by hand (80 zero bits, 16 one
// bits), then the rule's first bits compared one at a time, byte by byte, with no mask.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let mut peer_bytes = match peer.ip() {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    if peer_bytes.len() == 16 && peer_bytes[..10] == [0; 10] && peer_bytes[10..12] == [255, 255] {
        peer_bytes = peer_bytes[12..].to_vec(); // an IPv4 client, arrived on a dual-stack socket
    }
    for rule in rules {
        let rule_bytes = match rule.addr() {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        if rule_bytes.len() != peer_bytes.len() {
            continue; // another family
        }
        let bit = |bytes: &[u8], i: usize| bytes[i / 8] & (0x80 >> (i % 8)) != 0;
        let prefix = usize::from(rule.prefix());
        if (0..prefix).all(|i| bit(&rule_bytes, i) == bit(&peer_bytes, i)) {
            return true;
        }
    }
    false
}
