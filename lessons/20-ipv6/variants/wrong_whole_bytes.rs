// WRONG: compares whole bytes only, LEN/8 of them: a prefix that ends inside a byte loses its
// last bits, so 172.16.0.0/12 is taken for 172.0.0.0/8 and holds 172.32.0.0.

use std::net::{IpAddr, SocketAddr};

use crate::Net;

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = octets(peer.ip().to_canonical());
    rules.iter().any(|rule| {
        let net = octets(rule.addr());
        let bytes = usize::from(rule.prefix() / 8);
        net.len() == ip.len() && net[..bytes] == ip[..bytes]
    })
}
