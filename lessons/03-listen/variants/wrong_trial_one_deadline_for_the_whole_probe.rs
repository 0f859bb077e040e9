// WRONG: `wait` taken as the time limit of the whole probe, shared by all its connections:
// each connect() gets only what is left, so on a slow machine the later connections get too
// little time and a queue with room is reported full.
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let deadline = std::time::Instant::now() + wait;
    let mut waiting = Vec::new();
    while waiting.len() < ceiling {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let left = left.max(Duration::from_millis(1));
        match TcpStream::connect_timeout(&addr, left) {
            Ok(conn) => waiting.push(conn),
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                return Ok(Filled {
                    waiting,
                    next: Next::NoAnswer,
                });
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused && !waiting.is_empty() => {
                return Ok(Filled {
                    waiting,
                    next: Next::Refused,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Filled {
        waiting,
        next: Next::NotTried,
    })
}
