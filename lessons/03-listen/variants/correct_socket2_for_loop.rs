// CORRECT, written differently: socket2's own calls (socket(), then connect() with a time
// limit, each on its line), a `for` loop over the ceiling, and the timeout recognised by
// either kind a system may give it.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use socket2::{Domain, SockAddr, Socket, Type};

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting: Vec<TcpStream> = Vec::with_capacity(ceiling.min(1024));
    for _ in 0..ceiling {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        if let Err(e) = socket.connect_timeout(&SockAddr::from(addr), wait) {
            let next = match e.kind() {
                ErrorKind::TimedOut | ErrorKind::WouldBlock => Next::NoAnswer,
                ErrorKind::ConnectionRefused if !waiting.is_empty() => Next::Refused,
                _ => return Err(e),
            };
            return Ok(Filled { waiting, next });
        }
        waiting.push(socket.into());
    }
    Ok(Filled {
        waiting,
        next: Next::NotTried,
    })
}
