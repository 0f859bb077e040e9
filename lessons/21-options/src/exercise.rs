//! Lesson 21 exercise: tune a client's connection.
//!
//! Check your work with:   cargo exercise lesson-21-options
//! Run your version with:  cargo run -p lesson-21-options --features exercise -- client

use std::io;
use std::net::TcpStream;
#[allow(unused_imports)] // You will need these.
use std::time::Duration;

#[allow(unused_imports)]
use socket2::{SockRef, TcpKeepalive};

// ANCHOR: exercise
/// Tune a client's connection for request and answer: send each write at once (no Nagle),
/// and have the kernel probe a silent peer (keepalive after 60 s idle, every 10 s).
///
/// TODO:
///   - `stream.set_nodelay(…)`: TCP_NODELAY on;
///   - a `TcpKeepalive::new()` with a time of 60 s and an interval of 10 s, set with
///     `SockRef::from(stream).set_tcp_keepalive(&…)` (it turns SO_KEEPALIVE on too).
pub fn tune(stream: &TcpStream) -> io::Result<()> {
    let _ = stream;
    todo!("TCP_NODELAY on, and keepalive after 60 s, every 10 s")
}
// ANCHOR_END: exercise
