// WRONG: starts the tries staggered, but then waits for them in the order of the list
// (joining each thread in turn): a slow first address that connects in the end wins over a
// fast second one, and the caller waits for the slow one.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::Connector;

pub fn connect_first<C: Connector>(
    addrs: &[SocketAddr],
    stagger: Duration,
    timeout: Duration,
    connector: &Arc<C>,
) -> io::Result<(C::Conn, SocketAddr)> {
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no address"));
    }
    let deadline = Instant::now() + timeout;
    let mut tries = Vec::new();
    for (i, &addr) in addrs.iter().enumerate() {
        if i > 0 {
            thread::sleep(stagger.min(deadline.saturating_duration_since(Instant::now())));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let connector = Arc::clone(connector);
        tries.push((addr, thread::spawn(move || connector.connect(addr, left))));
    }
    let mut last_error = None;
    for (addr, handle) in tries {
        match handle.join().expect("a try panicked") {
            Ok(conn) => return Ok((conn, addr)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::ErrorKind::TimedOut.into()))
}
