// WRONG: reads "no delay" as "delay: no" and passes false, which leaves Nagle's algorithm on:
// every second piece of a request waits for the peer's delayed ACK (40 ms on Linux).

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

pub fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(false)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
