// WRONG: each socket is counted (kept in `waiting`) as soon as it is made, before its
// connect() has an outcome: the one that got no answer is in the count too, one more than
// the kernel ever queued.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use socket2::{Domain, SockAddr, Socket, Type};

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting: Vec<TcpStream> = Vec::new();
    while waiting.len() < ceiling {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        let result = socket.connect_timeout(&SockAddr::from(addr), wait);
        waiting.push(socket.into());
        match result {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                return Ok(Filled {
                    waiting,
                    next: Next::NoAnswer,
                });
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused && waiting.len() > 1 => {
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
