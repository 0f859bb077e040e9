// Lesson 20's exercise: the allow-list of a dual-stack server. Yours to write.
//
// Check it:       cargo exercise lesson-20-ipv6
// Stuck?          cargo hint lesson-20-ipv6      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-20-ipv6

use std::net::SocketAddr;

use crate::Net;

// ANCHOR: exercise
/// May this peer, as accept() gave it, be served? Yes when at least one of `rules` holds its
/// address. The server behind it listens on `[::]` with IPV6_V6ONLY off, or on `0.0.0.0`, or
/// on both: the answer for a client must not depend on which.
///
/// The contract (what the checks test):
/// - A rule `ADDR/LEN` holds every address whose first LEN bits are those of ADDR: bits,
///   not bytes or digits (`172.16.0.0/12` holds 172.31.255.255, not 172.32.0.0 nor
///   172.15.255.255; `10.0.0.0/8` does not hold 100.0.0.1). The bits of ADDR after the
///   first LEN play no part (`10.9.9.9/8` is `10.0.0.0/8`).
/// - Every LEN a `Net` can have works: `/0` holds every address of its family, `/32` (IPv4)
///   and `/128` (IPv6) exactly one.
/// - A rule holds addresses of its own family only: `0.0.0.0/0` holds no IPv6 client, `::/0`
///   no IPv4 client.
/// - An IPv4-mapped peer, `[::ffff:a.b.c.d]` (80 zero bits, 16 one bits, then the IPv4
///   address: an IPv4 client of a dual-stack socket), IS the IPv4 client a.b.c.d for every
///   rule: the IPv4 rules may hold it, no IPv6 rule does (not `::/0` either, nor a rule
///   written mapped, `::ffff:10.1.2.3/128`, which holds no IPv4 client at all).
/// - No other IPv6 address is IPv4: not the deprecated IPv4-compatible `::a.b.c.d` (so `::1`
///   is `::1`), not an address that merely ends like a mapped one (`2001:db8::ffff:c000:221`,
///   `::1:ffff:a00:1`: all 80 bits must be zero), nor `::fffe:a00:1` (the 16 bits are ffff).
/// - The port, and an IPv6 peer's flow info and scope id, play no part.
/// - No rules: no one is allowed.
/// - Print nothing: the lesson's server narrates around your function.
pub fn allowed(peer: SocketAddr, rules: &[Net]) -> bool {
    let _ = (peer, rules);
    todo!("is the peer's address in one of the rules?")
}
// ANCHOR_END: exercise
