// WRONG: at the ceiling it tries one more connection "to see whether the queue was full
// anyway", and drops it when it gets in. Dropping closes our end only: the server's kernel
// keeps that connection in its queue until someone accepts it, so the queue now holds one
// connection that nobody was told about.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting = Vec::new();
    loop {
        match TcpStream::connect_timeout(&addr, wait) {
            Ok(_) if waiting.len() == ceiling => {
                return Ok(Filled {
                    waiting,
                    next: Next::NotTried,
                })
            }
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
}
