// WRONG: drops duplicates with Vec::dedup, which only removes REPEATS SIDE BY SIDE: a resolver
// list like A, B, A (v6, v4, v6 again) tries A twice and counts it twice in the share.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

pub fn connect_any(
    addrs: &[SocketAddr],
    deadline: Duration,
    mut connect: impl FnMut(SocketAddr, Duration) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut to_try: Vec<SocketAddr> = Vec::new();
    to_try.extend_from_slice(addrs);
    to_try.dedup();
    let end = Instant::now() + deadline;
    let mut first_error = None;
    for (i, &addr) in to_try.iter().enumerate() {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break; // no time for another attempt
        }
        let addresses_left = (to_try.len() - i) as u32;
        match connect(addr, left / addresses_left) {
            Ok(stream) => return Ok(stream),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        let kind = if to_try.is_empty() {
            io::ErrorKind::InvalidInput
        } else {
            io::ErrorKind::TimedOut
        };
        io::Error::new(kind, "no address could be tried")
    }))
}
