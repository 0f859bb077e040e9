// Lesson 01's exercise: make the right socket. Yours to write.
//
// Check it:       cargo exercise lesson-01-socket
// Stuck?          cargo hint lesson-01-socket      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-01-socket

use std::io;
use std::net::SocketAddr;

#[allow(unused_imports)]
use socket2::{Domain, Protocol, Socket, Type};

#[allow(unused_imports)]
use crate::Kind;

// ANCHOR: exercise
/// A new socket that can talk to (or listen on) `addr`, of the given kind.
///
/// The contract (what the checks test):
/// - Its address family is the one `addr` belongs to: a socket made for an IPv4 address can
///   bind IPv4 addresses, one made for an IPv6 address can bind IPv6 addresses (`[::1]`).
/// - `Kind::Stream` is a TCP socket (it can listen, connect, and carry a byte stream);
///   `Kind::Datagram` is a UDP socket (it sends and receives separate datagrams).
/// - Only the address's family and the kind count: its IP and port do not (`0.0.0.0:0`,
///   `127.0.0.1:7001`, `[::1]:0` are all fine), and nothing is bound or connected yet.
/// - It is in blocking mode, as every new socket is: calls on it wait until they can finish.
/// - An error from the kernel is returned as it is, never unwrapped.
/// - Print nothing: the lesson narrates each call around your function.
pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let _ = (addr, kind);
    todo!("make a socket of the right family and kind")
}
// ANCHOR_END: exercise
