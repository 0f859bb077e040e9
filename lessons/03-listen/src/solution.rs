// Reference solution for lesson 03's exercise. (Yours goes in exercise.rs.)

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

// ANCHOR: solution
/// Measure the accept queue of the socket listening at `addr`: connect again and again while
/// nobody accepts, until a connection does not get in.
pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    // Kept open: every connection here is one the kernel holds in the queue for accept().
    let mut waiting = Vec::new();
    while waiting.len() < ceiling {
        // A time limit on each connect(): a SYN that finds the queue full gets no answer at
        // all on Linux, and a plain connect() would wait about two minutes for one.
        match TcpStream::connect_timeout(&addr, wait) {
            Ok(conn) => waiting.push(conn),
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                return Ok(Filled {
                    waiting,
                    next: Next::NoAnswer,
                });
            }
            // Refused after some got in: the queue is full (Windows answers with a reset).
            // Refused at once: nothing listens there, and that is the caller's to know.
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
// ANCHOR_END: solution
