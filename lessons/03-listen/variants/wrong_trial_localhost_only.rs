// WRONG: connects to 127.0.0.1 at the given port, as the demo's address looks, instead of to
// `addr`: a server on any other address (::1, 127.0.0.2, another machine) is never measured.
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

use std::net::Ipv4Addr;

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let target = SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()));
    let mut waiting = Vec::new();
    while waiting.len() < ceiling {
        match TcpStream::connect_timeout(&target, wait) {
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
