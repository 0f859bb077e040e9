// WRONG: once a connection got in, any error but a timeout is taken for a full queue that
// says so (Next::Refused): a probe that runs out of descriptors (EMFILE), or of ports,
// reports a queue of the size it happened to reach, instead of the error.

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
            Err(e) if waiting.is_empty() => return Err(e),
            Err(_) => {
                return Ok(Filled {
                    waiting,
                    next: Next::Refused,
                });
            }
        }
    }
    Ok(Filled {
        waiting,
        next: Next::NotTried,
    })
}
