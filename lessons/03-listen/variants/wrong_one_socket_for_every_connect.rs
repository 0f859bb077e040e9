// WRONG: one socket, connected again and again. A TCP socket connects once: each connection
// in the queue is a socket of its own. The second connect() fails (EISCONN, "already
// connected"), and the probe ends in an error after one connection.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use socket2::{Domain, SockAddr, Socket, Type};

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    let mut waiting: Vec<TcpStream> = Vec::new();
    while waiting.len() < ceiling {
        match socket.connect_timeout(&SockAddr::from(addr), wait) {
            Ok(()) => waiting.push(socket.try_clone()?.into()),
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
