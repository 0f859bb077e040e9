//! A plausible wrong answer to lesson 21's exercise, kept to prove the tests catch it: it
//! reads "no delay" as "delay: no" and passes `false`, which leaves Nagle's algorithm on.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

pub fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(false)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
