//! Lesson 20 exercise: show an IPv4 client of a dual-stack server as IPv4.
//!
//! Check your work with:   cargo exercise lesson-20-ipv6
//! Run your version with:  cargo run -p lesson-20-ipv6 --features exercise

use std::net::SocketAddr;

// ANCHOR: exercise
/// The address a peer really has. A dual-stack server's accept() gives an IPv4 client as an
/// IPv4-mapped IPv6 address, `[::ffff:127.0.0.1]:5000`; the server tells each client
/// "you are ADDR", and should say `127.0.0.1:5000` to that one.
///
/// TODO:
///   - for an IPv6 address that is IPv4-mapped (`::ffff:a.b.c.d`), return the IPv4 address
///     `a.b.c.d` with the same port;
///   - return every other address unchanged: `[::1]:5000` is IPv6, and stays IPv6.
pub fn unmap(addr: SocketAddr) -> SocketAddr {
    let _ = addr;
    todo!("turn [::ffff:a.b.c.d]:port into a.b.c.d:port, and nothing else")
}
// ANCHOR_END: exercise
