//! Reference solution for lesson 21's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

// ANCHOR: solution
/// Tune a client's connection for request and answer: send each write at once (no Nagle),
/// and have the kernel probe a silent peer (keepalive after 60 s idle, every 10 s).
pub fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
// ANCHOR_END: solution
