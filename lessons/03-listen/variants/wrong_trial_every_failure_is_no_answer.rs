// WRONG: once a connection got in, any failure is taken for "no answer": a refusal (the
// queue is full, and the system said so) is reported as silence, and any other error (no
// descriptors left, no ports left) as a full queue.
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting = Vec::new();
    while waiting.len() < ceiling {
        match TcpStream::connect_timeout(&addr, wait) {
            Ok(conn) => waiting.push(conn),
            Err(e) if e.kind() == ErrorKind::TimedOut || !waiting.is_empty() => {
                return Ok(Filled {
                    waiting,
                    next: Next::NoAnswer,
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
