// CORRECT, written differently: a schedule (`next_due`, the instant the next try is due,
// moved to "now" by a failure) instead of waiting a stagger at a time; the results come back
// with the try's index; its own words for the errors.

use std::io::{Error, ErrorKind, Result};
use std::net::SocketAddr;
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::Connector;

pub fn connect_first<C: Connector>(
    addrs: &[SocketAddr],
    stagger: Duration,
    timeout: Duration,
    connector: &Arc<C>,
) -> Result<(C::Conn, SocketAddr)> {
    if addrs.is_empty() {
        return Err(Error::new(ErrorKind::InvalidInput, "nothing to connect to"));
    }
    let start = Instant::now();
    let deadline = start + timeout;
    let (tx, rx) = channel::<(usize, Result<C::Conn>)>();
    let mut next = 0;
    let mut next_due = start;
    let mut failed = 0;
    let mut last_error = None;
    while failed < addrs.len() {
        let now = Instant::now();
        if next < addrs.len() && now >= next_due && now < deadline {
            let (tx, connector, addr) = (tx.clone(), connector.clone(), addrs[next]);
            let limit = deadline - now;
            thread::spawn(move || drop(tx.send((next, connector.connect(addr, limit)))));
            next += 1;
            next_due = now + stagger;
            continue;
        }
        // Sleep on the channel until the next try is due, or the deadline (and a little).
        let until = if next < addrs.len() {
            next_due.min(deadline)
        } else {
            deadline + Duration::from_millis(300)
        };
        match rx.recv_timeout(until.saturating_duration_since(now)) {
            Ok((i, Ok(conn))) => return Ok((conn, addrs[i])),
            Ok((_, Err(e))) => {
                failed += 1;
                last_error = Some(e);
                next_due = Instant::now();
            }
            Err(RecvTimeoutError::Timeout) if Instant::now() >= deadline => {
                return Err(Error::new(ErrorKind::TimedOut, "out of time"));
            }
            Err(_) => {}
        }
    }
    Err(last_error.unwrap_or_else(|| Error::new(ErrorKind::TimedOut, "out of time")))
}
