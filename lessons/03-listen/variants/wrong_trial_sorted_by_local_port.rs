// WRONG: the connections are returned sorted by their local port, not in the order they were
// made ("oldest first"): the same order only while each connect() gets a higher port than the
// one before, which Linux does for successive connections to one address until its ephemeral
// range wraps around to the bottom (and other systems choose ports at random).
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

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
                    waiting: by_port(waiting),
                    next: Next::NoAnswer,
                });
            }
            // Refused after some got in: the queue is full (Windows answers with a reset).
            // Refused at once: nothing listens there, and that is the caller's to know.
            Err(e) if e.kind() == ErrorKind::ConnectionRefused && !waiting.is_empty() => {
                return Ok(Filled {
                    waiting: by_port(waiting),
                    next: Next::Refused,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Filled {
        waiting: by_port(waiting),
        next: Next::NotTried,
    })
}

// Tidy: the connections in the order of their local ports.
fn by_port(mut waiting: Vec<TcpStream>) -> Vec<TcpStream> {
    waiting.sort_by_key(|conn| conn.local_addr().map(|a| a.port()).unwrap_or(0));
    waiting
}
