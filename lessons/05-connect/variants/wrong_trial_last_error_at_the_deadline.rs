// WRONG: at the deadline, returns the last error seen (ConnectionRefused of an earlier try)
// instead of TimedOut while other tries were still silent: the contract says nothing
// connected by then is TimedOut. Passed every check (trial of issue 11) until
// nothing_connected_by_the_deadline_is_timed_out_whatever_failed_before.
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
    let mut next_start = Instant::now();
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
            next_start = now + stagger;
            continue;
        }
        if now >= deadline {
            return Err(last_error.take().unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::TimedOut, "no address answered in time")
            }));
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
