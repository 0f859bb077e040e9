// WRONG: sets only the idle time: the interval and the count stay the system's (75 s and 9
// probes on Linux), so a vanished peer is noticed after 60 + 9 x 75 s, not 60 + 5 x 10 s.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

pub fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(60));
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
