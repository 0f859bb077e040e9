// WRONG: starts try k at k × stagger from the call (a fixed schedule); a failure starts the
// next at once but does not move the schedule. Tries at 0 and 300 ms (stagger 300); the second
// is refused at 350, so the third starts at once, at 350; the fourth then waits until 900 ms
// instead of 650 ("the next starts when the one before has had stagger"). Passed every check
// (trial of issue 11) until a_try_started_by_a_failure_gets_its_own_whole_stagger.
use std::io;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

#[allow(unused_imports)]
use crate::Connector;

pub fn connect_first<C: Connector>(
    addrs: &[SocketAddr],
    stagger: Duration,
    timeout: Duration,
    connector: &Arc<C>,
) -> io::Result<(C::Conn, SocketAddr)> {
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to connect to",
        ));
    }
    let deadline = Instant::now() + timeout;
    let (tx, rx) = mpsc::channel::<(SocketAddr, io::Result<C::Conn>)>();
    let mut started = 0;
    let mut failed = 0;
    let mut last_error = None;
    let t0 = Instant::now();
    let mut next_start = t0;
    loop {
        let now = Instant::now();
        if started < addrs.len() && now >= next_start && now < deadline {
            let addr = addrs[started];
            let limit = deadline - now;
            let tx = tx.clone();
            let connector = Arc::clone(connector);
            thread::spawn(move || {
                let result = connector.connect(addr, limit);
                // If nobody listens any more, the connection comes back and is dropped: closed.
                let _ = tx.send((addr, result));
            });
            started += 1;
            next_start = t0 + stagger * started as u32;
            continue;
        }
        if now >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no address answered in time",
            ));
        }
        let wake = if started < addrs.len() {
            next_start.min(deadline)
        } else {
            deadline
        };
        match rx.recv_timeout(wake.saturating_duration_since(now)) {
            Ok((addr, Ok(conn))) => return Ok((conn, addr)),
            Ok((_, Err(e))) => {
                failed += 1;
                last_error = Some(e);
                if failed == started && started == addrs.len() {
                    return Err(last_error.unwrap());
                }
                next_start = Instant::now();
            }
            Err(_) => {}
        }
    }
}
