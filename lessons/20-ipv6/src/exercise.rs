// Lesson 20's exercise: the address a dual-stack server's peer really has. Yours to write.
//
// Check it:       cargo exercise lesson-20-ipv6
// Stuck?          cargo hint lesson-20-ipv6      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-20-ipv6

use std::net::SocketAddr;

// ANCHOR: exercise
/// The address a peer really has, as the server should tell it "you are ADDR".
///
/// The contract (what the checks test):
/// - An IPv4-mapped IPv6 address, `[::ffff:a.b.c.d]:port` (80 zero bits, 16 one bits, then
///   the IPv4 address: how a dual-stack socket's accept() gives an IPv4 client), becomes the
///   IPv4 address it stands for, `a.b.c.d:port`: any a.b.c.d, not only 127.0.0.1, and the
///   same port.
/// - Every other address comes back unchanged: an IPv4 address, and every IPv6 address that
///   is not mapped, `[::1]`, `[::]`, `[::2]`, `[2001:db8::1]` (and its flow info and scope id
///   stay as they were).
/// - Print nothing: the lesson's server narrates around your function.
pub fn unmap(addr: SocketAddr) -> SocketAddr {
    let _ = addr;
    todo!("the address the peer really has")
}
// ANCHOR_END: exercise
