// WRONG: the old checklist, tries one after another: each waits for the one before to end, so
// an address that never answers costs its whole limit before the next is even tried.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Connector;

pub fn connect_first<C: Connector>(
    addrs: &[SocketAddr],
    _stagger: Duration,
    timeout: Duration,
    connector: &Arc<C>,
) -> io::Result<(C::Conn, SocketAddr)> {
    let deadline = Instant::now() + timeout;
    let mut last_error = None;
    for &addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        match connector.connect(addr, left) {
            Ok(conn) => return Ok((conn, addr)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")))
}
