// WRONG: the socket whose connect() got no answer is never closed (forgotten, a leaked
// descriptor). Its kernel keeps sending the SYN, and as soon as someone accepts and makes
// room, it gets in: a connection in the queue that nobody was told about.
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

use socket2::{Domain, SockAddr, Socket, Type};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting: Vec<TcpStream> = Vec::new();
    while waiting.len() < ceiling {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        match socket.connect_timeout(&SockAddr::from(addr), wait) {
            Ok(()) => waiting.push(socket.into()),
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                std::mem::forget(socket);
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
