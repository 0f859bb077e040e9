// WRONG: copies the chapter's keepalive demo whole, TCP_USER_TIMEOUT included. With it set,
// the user timeout, not the 5 probes, decides when keepalive gives up (tcp(7): it "will
// override keepalive"): the peer is dropped 10 s after the first unanswered probe.

use std::io;
use std::net::TcpStream;

pub fn tune(stream: &TcpStream) -> io::Result<()> {
    use socket2::{SockRef, TcpKeepalive};
    use std::time::Duration;
    stream.set_nodelay(true)?;
    let probes = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(5);
    SockRef::from(stream).set_tcp_keepalive(&probes)?;
    SockRef::from(stream).set_tcp_user_timeout(Some(Duration::from_secs(10)))
}
