// WRONG: rounds the idle time up by always adding a second (saturating, so no overflow): 60 s
// becomes 61 s. No probe is early, but probing starts later than the need allows, and that
// second is taken from the probes' room.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let idle = need.idle_before_probing.as_secs().saturating_add(1);
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
    let count = budget.min(u64::from(MAX_PROBES));
    let interval = (budget / count).min(MAX_KEEPALIVE_SECS);
    stream.set_nodelay(need.interactive)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval));
    let keepalive = keepalive.with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
