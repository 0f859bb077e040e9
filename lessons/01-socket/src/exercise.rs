//! Lesson 01 exercise: create the right socket.
//!
//! Check your work with:   cargo exercise lesson-01-socket
//! Run your version with:  cargo run -p lesson-01-socket --features exercise

use std::io;
use std::net::SocketAddr;

#[allow(unused_imports)] // You will need these.
use socket2::{Domain, Protocol, Socket, Type};

/// The two kinds of socket this book uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A byte stream over a connection: TCP.
    Stream,
    /// Separate messages, no connection: UDP.
    Datagram,
}

// ANCHOR: exercise
/// Create a socket that can talk to (or listen on) `addr`, of the given kind.
///
/// TODO: call `Socket::new(domain, type, protocol)` with
///   - the address family that matches `addr` (IPv4 or IPv6),
///   - `Type::STREAM` with TCP for `Kind::Stream`, `Type::DGRAM` with UDP for `Kind::Datagram`.
pub fn new_socket(addr: SocketAddr, kind: Kind) -> io::Result<Socket> {
    let _ = (addr, kind);
    todo!("create the socket")
}
// ANCHOR_END: exercise
