// CORRECT, written differently: whole seconds by integer arithmetic (a leftover nanosecond
// rounds the idle time up), the interval chosen first and the count from it, every option
// through socket2's own setter, keepalive first and TCP_NODELAY last.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let asked = need.idle_before_probing;
    let idle = asked
        .as_secs()
        .saturating_add(u64::from(asked.subsec_nanos() > 0))
        .max(1);
    let Some(budget) = need
        .give_up_after
        .as_secs()
        .checked_sub(idle)
        .filter(|b| *b > 0 && idle <= MAX_KEEPALIVE_SECS)
    else {
        return Err(io::ErrorKind::InvalidInput.into());
    };
    // Spread MAX_PROBES over the budget if it is long enough, else one probe a second.
    let interval = (budget / u64::from(MAX_PROBES)).clamp(1, MAX_KEEPALIVE_SECS);
    let count = (budget / interval).min(u64::from(MAX_PROBES));
    let socket = SockRef::from(stream);
    socket.set_keepalive(true)?;
    let probes = TcpKeepalive::new().with_time(Duration::from_secs(idle));
    let probes = probes.with_interval(Duration::from_secs(interval));
    let probes = probes.with_retries(count as u32);
    let _ = count;
    socket.set_tcp_keepalive(&probes)?;
    socket.set_tcp_nodelay(need.interactive)
}
