// Lesson 21's exercise: ours. (Yours goes in exercise.rs.)

use std::io;
use std::net::TcpStream;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

// ANCHOR: solution
/// Set the options of a connected socket so that it meets `need`: Nagle off if interactive,
/// and keepalive with the most probes (at most `MAX_PROBES`) that fit in the need's time,
/// spread as far apart as they fit.
pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    // The kernel counts whole seconds. Promise 1 (no probe too early) rounds the idle time UP,
    // and the kernel's minimum is 1 s; promise 2 (never give up late) rounds the give-up time
    // DOWN. The earliest idle time also leaves the most time for the probes (promises 3-5).
    let idle = need.idle_before_probing.as_secs_f64().ceil().max(1.0) as u64;
    let give_up = need.give_up_after.as_secs();
    // After the idle time, each probe costs at least one interval of at least 1 s.
    let budget = give_up.saturating_sub(idle);
    if budget < 1 || idle > MAX_KEEPALIVE_SECS {
        // Checked before any setsockopt(): an impossible need leaves the socket untouched.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "no probe fits: give up after {give_up} s, idle for {idle} s first (at most \
                 {MAX_KEEPALIVE_SECS} s)"
            ),
        ));
    }
    // Promise 3: at 1 s apart, one probe per second of budget, up to the cap.
    let count = budget.min(u64::from(MAX_PROBES));
    // Promise 4: the longest interval with idle + interval × count <= give_up (rounded down),
    // and no more than the kernel takes (a shorter interval only gives up earlier).
    let interval = (budget / count).min(MAX_KEEPALIVE_SECS);
    stream.set_nodelay(need.interactive)?;
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(idle))
        .with_interval(Duration::from_secs(interval))
        .with_retries(count as u32);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}
// ANCHOR_END: solution
