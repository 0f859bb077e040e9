// WRONG: as many probes as fit, but always 1 s apart: it keeps promise 3 and forgets 4. With
// 35 s of room after the idle time, 10 probes in the first 10 s and then nothing: a path down
// for 11 s (a router rebooting) drops a live connection that 3 s apart would have survived.

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
    let count = budget.min(u64::from(MAX_PROBES));
    let interval = 1;
    stream.set_nodelay(need.interactive)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval));
    let keepalive = keepalive.with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
