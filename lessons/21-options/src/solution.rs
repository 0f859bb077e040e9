// Lesson 21's exercise: ours. (Yours goes in exercise.rs.)

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

// ANCHOR: solution
/// Tune a connected client's socket for request and answer: no Nagle, and keepalive after
/// 60 s of silence, every 10 s, 5 probes.
pub fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
// ANCHOR_END: solution
