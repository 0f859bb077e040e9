// CORRECT, written differently: every option through socket2's own setter, one call each
// (SO_KEEPALIVE, then TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT through TcpKeepalive),
// keepalive first and TCP_NODELAY last.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

pub fn tune(stream: &TcpStream) -> io::Result<()> {
    let socket = SockRef::from(stream);
    socket.set_keepalive(true)?;
    let idle = TcpKeepalive::new().with_time(Duration::from_secs(60));
    socket.set_tcp_keepalive(&idle.with_interval(Duration::from_secs(10)).with_retries(5))?;
    socket.set_tcp_nodelay(true)
}
