// WRONG: sets SO_LINGER to 0 s "so that close() does not wait": close() then throws away
// what is unsent and sends RST instead of FIN; the peer reads a reset, not end of stream.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

pub fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let socket = SockRef::from(stream);
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    socket.set_tcp_keepalive(&keepalive)?;
    socket.set_linger(Some(Duration::ZERO))
}
