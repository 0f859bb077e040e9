// WRONG: only sets TCP_NODELAY when interactive, so a bulk need on a socket
// whose Nagle was already off stays off (the contract: on otherwise, whatever it was).

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let idle: u64 = (need.idle_before_probing.as_secs_f64().ceil().max(1.0)) as u64;
    let give_up: u64 = need.give_up_after.as_secs();
    let budget = give_up.saturating_sub(idle);
    if budget < 1 || idle > MAX_KEEPALIVE_SECS {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no probe fits"));
    }
    let count: u64 = budget.min(u64::from(MAX_PROBES));
    let interval: u64 = (budget / count).min(MAX_KEEPALIVE_SECS);
    if need.interactive {
        stream.set_nodelay(true)?;
    }

    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval))
        .with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
