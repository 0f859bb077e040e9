// CORRECT, written differently: one connection, then the rest of the queue by recursion
// (each call has one place fewer under the ceiling); the connections come back up oldest
// first. (Fine for the small queues of the checks and the demos: the depth is the count.)

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    fill_from(addr, wait, ceiling, true)
}

fn fill_from(addr: SocketAddr, wait: Duration, room: usize, first: bool) -> io::Result<Filled> {
    let end = |next| {
        Ok(Filled {
            waiting: Vec::new(),
            next,
        })
    };
    if room == 0 {
        return end(Next::NotTried);
    }
    let conn = match TcpStream::connect_timeout(&addr, wait) {
        Ok(conn) => conn,
        Err(e) if e.kind() == ErrorKind::TimedOut => return end(Next::NoAnswer),
        Err(e) if e.kind() == ErrorKind::ConnectionRefused && !first => return end(Next::Refused),
        Err(e) => return Err(e),
    };
    let mut rest = fill_from(addr, wait, room - 1, false)?;
    rest.waiting.insert(0, conn);
    Ok(rest)
}
