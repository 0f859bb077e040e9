// WRONG: never refuses: when no probe fits, it still asks for one ("at least one probe"), so
// the connection is given up later than the need allows, and the caller is never told.

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
    let budget = budget.max(1);
    if budget < 1 || idle > MAX_KEEPALIVE_SECS {
        // Checked before any setsockopt(): an impossible need leaves the socket untouched.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("no probe fits: give up after {give_up} s, but idle for {idle} s first"),
        ));
    }
    let count = budget.min(u64::from(MAX_PROBES));
    let interval = (budget / count).min(MAX_KEEPALIVE_SECS); // rounded down: idle + interval × count <= give_up
    stream.set_nodelay(need.interactive)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval));
    let keepalive = keepalive.with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
