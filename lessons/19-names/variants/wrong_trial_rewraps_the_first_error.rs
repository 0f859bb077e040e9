// WRONG: returns a NEW error with the first error's kind, not the first error itself: the
// kind survives but the OS error number (errno) and the message are lost, while the contract
// says "the error of the FIRST attempt, as it is".

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

pub fn connect_any(
    addrs: &[SocketAddr],
    deadline: Duration,
    mut connect: impl FnMut(SocketAddr, Duration) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let mut to_try: Vec<SocketAddr> = Vec::new();
    for &addr in addrs {
        if !to_try.contains(&addr) {
            to_try.push(addr);
        }
    }
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
                first_error.get_or_insert(io::Error::new(e.kind(), "could not connect"));
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
