// WRONG: rounds the idle time up with as_secs() + 1, which overflows (a panic)
// for Duration::MAX, a need that cannot be met and must be refused with InvalidInput.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let idle: u64 = (need.idle_before_probing.as_secs()
        + u64::from(need.idle_before_probing.subsec_nanos() > 0))
    .max(1);
    let give_up: u64 = need.give_up_after.as_secs();
    let budget = give_up.saturating_sub(idle);
    if budget < 1 || idle > MAX_KEEPALIVE_SECS {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no probe fits"));
    }
    let count: u64 = budget.min(u64::from(MAX_PROBES));
    let interval: u64 = (budget / count).min(MAX_KEEPALIVE_SECS);
    stream.set_nodelay(need.interactive)?;

    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval))
        .with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
