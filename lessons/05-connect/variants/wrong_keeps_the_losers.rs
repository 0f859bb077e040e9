// WRONG: "closes" the late connections by handing the channel to a thread that collects them
// to drop them all together once every try has reported; but that thread holds a Sender of
// its own, so the channel never ends, and neither does the thread: every loser stays open.

use std::io;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use crate::Connector;

/// How long, after the deadline, a try whose limit ran out then has to report it.
const REPORT: Duration = Duration::from_millis(500);

/// Connect to `addrs` staggered: the first try at once, the next after `stagger` (or at once
/// when a try fails), the earlier ones still running; the first connection wins.
pub fn connect_first<C: Connector>(
    addrs: &[SocketAddr],
    stagger: Duration,
    timeout: Duration,
    connector: &Arc<C>,
) -> io::Result<(C::Conn, SocketAddr)> {
    if addrs.is_empty() {
        let e = io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
        return Err(e);
    }
    let deadline = Instant::now() + timeout;
    // Every try reports on this channel, once: its address and its result.
    let (report, reports) = mpsc::channel();
    let (mut started, mut running) = (0, 0);
    let mut last_error = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if started < addrs.len() && !left.is_zero() {
            // A try on a thread of its own, limited to what is left of the overall timeout,
            // so that no thread outlives the deadline by more than a moment.
            let (addr, report, connector) = (addrs[started], report.clone(), Arc::clone(connector));
            thread::spawn(move || {
                // If a winner was already chosen, nobody listens: send() fails and hands the
                // message back, and dropping it closes a late connection.
                let _ = report.send((addr, connector.connect(addr, left)));
            });
            (started, running) = (started + 1, running + 1);
        } else if running == 0 {
            break; // every try failed (or there was no time for any)
        }
        // Wait for a report until the next try is due; with all started, until the deadline
        // and a moment more, for the tries whose limit ends then to say so.
        let all_started = started == addrs.len();
        let wait = if all_started { left + REPORT } else { stagger.min(left) };
        match reports.recv_timeout(wait) {
            Ok((addr, Ok(conn))) => {
                thread::spawn(move || {
                    let _also_mine = report;
                    let late: Vec<_> = reports.iter().collect();
                    drop(late);
                });
                return Ok((conn, addr));
            }
            // A failed try: the loop starts the next at once.
            Ok((_, Err(e))) => (running, last_error) = (running - 1, Some(e)),
            Err(_) if all_started || left.is_zero() => {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no try connected in time"));
            }
            Err(_) => {} // the stagger ran out: the loop starts the next try
        }
    }
    // Returning drops `reports`: tries still running close what they get when they end.
    Err(last_error.unwrap_or_else(|| io::ErrorKind::TimedOut.into()))
}
