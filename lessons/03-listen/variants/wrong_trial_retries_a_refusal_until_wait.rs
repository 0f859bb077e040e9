// WRONG: a refusal at the first connection is retried until `wait` is over, "in case the
// server is still starting": but nothing listens there, and the caller learns it only after
// the whole `wait` (a probe given a patient wait of a minute takes a minute to say so).

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting = Vec::new();
    let started = Instant::now();
    while waiting.len() < ceiling {
        match TcpStream::connect_timeout(&addr, wait) {
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
            Err(e) if e.kind() == ErrorKind::ConnectionRefused && started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Filled {
        waiting,
        next: Next::NotTried,
    })
}
