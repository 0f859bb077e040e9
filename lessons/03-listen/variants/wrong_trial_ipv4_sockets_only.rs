// WRONG: socket2's socket made for IPv4 always (Domain::IPV4), whatever the address: the probe
// works on 127.0.0.1 and fails on every IPv6 address (connect() on an IPv4 socket to an IPv6
// address: "invalid argument" or "address family not supported"). Domain::for_address(addr).
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

use socket2::{Domain, SockAddr, Socket, Type};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting: Vec<TcpStream> = Vec::new();
    while waiting.len() < ceiling {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        match socket.connect_timeout(&SockAddr::from(addr), wait) {
            Ok(()) => waiting.push(socket.into()),
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
