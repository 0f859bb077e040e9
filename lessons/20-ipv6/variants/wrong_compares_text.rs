// WRONG: compares the text of the addresses: the rule's first LEN/8 bytes as digits, which
// the peer's text must start with. 10.0.0.0/8 becomes "10", and 100.0.0.1 starts with "10".

use std::net::{IpAddr, SocketAddr};

use crate::Net;

pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let ip = peer.ip().to_canonical();
    rules.iter().any(|rule| match (rule.addr(), ip) {
        (IpAddr::V4(net), IpAddr::V4(_)) => {
            let bytes = usize::from(rule.prefix() / 8);
            let start: Vec<String> = net.octets()[..bytes].iter().map(|b| b.to_string()).collect();
            ip.to_string().starts_with(&start.join("."))
        }
        (IpAddr::V6(net), IpAddr::V6(_)) => {
            let groups = usize::from(rule.prefix() / 16);
            let start: Vec<String> = net.segments()[..groups]
                .iter()
                .map(|g| format!("{g:x}"))
                .collect();
            let text: Vec<String> = match ip {
                IpAddr::V6(v6) => v6.segments().iter().map(|g| format!("{g:x}")).collect(),
                IpAddr::V4(_) => unreachable!(),
            };
            text.join(":").starts_with(&start.join(":"))
        }
        _ => false,
    })
}
