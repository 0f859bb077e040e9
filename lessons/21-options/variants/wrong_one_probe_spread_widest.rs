// WRONG: spreads the time the other way: ONE probe, as late as it fits (interval = the whole
// room). The peer is given up in time, but a single lost probe (RFC 1122 4.2.3.6: an ACK
// without data is not retransmitted) now drops a live connection: fewer probes than fit.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let idle = need.idle_before_probing.as_secs_f64().ceil().max(1.0) as u64;
    let give_up = need.give_up_after.as_secs();
    let budget = give_up.saturating_sub(idle);
    if budget < 1 || idle > MAX_KEEPALIVE_SECS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "no probe fits: give up after {give_up} s, idle for {idle} s first (at most \
                 {MAX_KEEPALIVE_SECS} s)"
            ),
        ));
    }
    let count = 1;
    let interval = (budget / count).min(MAX_KEEPALIVE_SECS);
    stream.set_nodelay(need.interactive)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval));
    let keepalive = keepalive.with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
