// WRONG: a connection that got no answer is reported as `Next::Refused`: "it did not get
// in" either way. But the two are different answers of different systems (silence on Linux, a
// reset on Windows), and the lesson tells the reader which one its system gave.
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
                    next: Next::Refused,
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
