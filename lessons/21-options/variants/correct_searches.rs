// CORRECT, written differently: no division and no rounding. It searches: the first whole
// second not under the asked silence, then, from MAX_PROBES down, the first count for which probes
// 1 s apart still fit, then the interval stretched one second at a time while it still fits.
// Keepalive through socket2's setters one by one, TCP_NODELAY last.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

/// Does the peer get dropped in time with these numbers? (u128: no overflow to think about.)
fn fits(idle: u64, interval: u64, count: u64, give_up: Duration) -> bool {
    u128::from(idle) + u128::from(interval) * u128::from(count) <= u128::from(give_up.as_secs())
}

pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let refuse = || io::Error::from(io::ErrorKind::InvalidInput);
    let asked = need.idle_before_probing;
    // The earliest whole second, at least 1, with the asked silence passed; tried from 1 up,
    // so that nothing overflows: past the kernel's limit, the need cannot be met.
    let idle = (1..=MAX_KEEPALIVE_SECS)
        .find(|&s| Duration::from_secs(s) >= asked)
        .ok_or_else(refuse)?;
    let count = (1..=u64::from(MAX_PROBES))
        .rev()
        .find(|&count| fits(idle, 1, count, need.give_up_after))
        .ok_or_else(refuse)?;
    let mut interval = 1;
    while interval < MAX_KEEPALIVE_SECS && fits(idle, interval + 1, count, need.give_up_after) {
        interval += 1;
    }
    let socket = SockRef::from(stream);
    socket.set_keepalive(true)?;
    #[cfg(not(windows))]
    {
        socket.set_tcp_keepalive(&TcpKeepalive::new().with_time(Duration::from_secs(idle)))?;
        socket.set_tcp_keepalive(&TcpKeepalive::new().with_interval(Duration::from_secs(interval)))?;
        socket.set_tcp_keepalive(&TcpKeepalive::new().with_retries(count as u32))?;
    }
    #[cfg(windows)]
    socket.set_tcp_keepalive(
        &TcpKeepalive::new()
            .with_time(Duration::from_secs(idle))
            .with_interval(Duration::from_secs(interval))
            .with_retries(count as u32),
    )?;
    socket.set_tcp_nodelay(need.interactive)
}
