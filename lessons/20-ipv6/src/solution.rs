// Lesson 20's exercise, solved: an IPv4 peer of a dual-stack socket, shown as IPv4.

use std::net::SocketAddr;

// ANCHOR: solution
/// The address a peer really has: an IPv4-mapped IPv6 address (`[::ffff:127.0.0.1]:5000`,
/// RFC 4291 section 2.5.5.2) becomes the IPv4 address it stands for (`127.0.0.1:5000`);
/// every other address stays as it is. (std has this too: `IpAddr::to_canonical`.)
pub fn unmap(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::from((v4, v6.port())),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}
// ANCHOR_END: solution
