// CORRECT, written differently: duplicates dropped by a set as the list is walked, the share
// computed from the distinct addresses counted up front, the error kept as an Option<Error>
// that only the first failure fills; other error text for the empty list.

use std::collections::HashSet;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

pub fn connect_any(
    addrs: &[SocketAddr],
    deadline: Duration,
    mut connect: impl FnMut(SocketAddr, Duration) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let started = Instant::now();
    let mut remaining = addrs.iter().collect::<HashSet<_>>().len() as u32;
    if remaining == 0 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "the name has no address"));
    }
    let mut seen = HashSet::new();
    let mut error: Option<io::Error> = None;
    for addr in addrs.iter().copied().filter(|a| seen.insert(*a)) {
        let Some(left) = deadline.checked_sub(started.elapsed()).filter(|l| !l.is_zero()) else {
            break;
        };
        let result = connect(addr, left / remaining);
        remaining -= 1;
        match result {
            Ok(stream) => return Ok(stream),
            Err(e) if error.is_none() => error = Some(e),
            Err(_) => {}
        }
    }
    Err(error.unwrap_or_else(|| io::ErrorKind::TimedOut.into()))
}
