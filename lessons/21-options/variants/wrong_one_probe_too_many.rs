// WRONG: counts fence posts: takes the first probe to go at `idle` itself, so that count
// probes need only count - 1 intervals. The kernel sends the first probe at `idle` and gives up
// one interval after the last one: idle + interval x count, which no longer fits the need.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    // Whole seconds, rounded so that the need is never broken: probe no earlier, give up no
    // later.
    let idle = need.idle_before_probing.as_secs_f64().ceil().max(1.0) as u64;
    let give_up = need.give_up_after.as_secs();
    let budget = give_up.saturating_sub(idle);
    if budget < 1 || idle > MAX_KEEPALIVE_SECS {
        // Checked before any setsockopt(): an impossible need leaves the socket untouched.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("no probe fits: give up after {give_up} s, but idle for {idle} s first"),
        ));
    }
    let count = (budget + 1).min(u64::from(MAX_PROBES));
    let interval = (budget / (count - 1).max(1)).clamp(1, MAX_KEEPALIVE_SECS);
    stream.set_nodelay(need.interactive)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval));
    let keepalive = keepalive.with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
