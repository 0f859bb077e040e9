// WRONG: every try that connects puts its connection on a shared pile (Arc<Mutex<Vec<_>>>)
// and the function returns the first one; a connection made after the return stays on the
// pile, open, until the LAST try has ended (its thread drops the pile's last Arc), which may
// be the deadline: "a try still running when you return must close what it gets as soon as
// it gets it". Passed every check (trial of issue 11) until
// the_first_to_connect_wins_and_every_other_connection_is_closed.
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
    let pile: Arc<std::sync::Mutex<Vec<(C::Conn, SocketAddr)>>> =
        Arc::new(std::sync::Mutex::new(Vec::new()));
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
            let pile = Arc::clone(&pile);
            thread::spawn(move || match connector.connect(addr, limit) {
                Ok(conn) => {
                    pile.lock().unwrap().push((conn, addr));
                    let _ = tx.send((addr, Err(io::Error::other("won"))));
                }
                Err(e) => {
                    let _ = tx.send((addr, Err(e)));
                }
            });
            started += 1;
            next_start = now + stagger;
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
            Ok((_, Err(e))) if e.to_string() == "won" => {
                let first = pile.lock().unwrap().remove(0);
                return Ok(first);
            }
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
