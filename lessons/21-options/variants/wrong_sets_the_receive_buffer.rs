// WRONG: sets SO_RCVBUF "for speed": the socket keeps that size for ever, and loses the
// autotuning that would have grown its buffer as the connection needed (tcp(7)).

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
    socket.set_recv_buffer_size(1 << 20)
}
