// WRONG: every refusal is returned as an error, the one after some connections got in too.
// On a system that answers a full queue with a reset (Windows), the probe then fails exactly
// when it has found the end of the queue, and drops every connection it made.
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting = Vec::new();
    while waiting.len() < ceiling {
        match TcpStream::connect_timeout(&addr, wait) {
            Ok(conn) => waiting.push(conn),
            Err(e) if e.kind() == ErrorKind::TimedOut => {
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
