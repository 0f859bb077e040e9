// WRONG: `?` on every connect(), so the timeout that MEANS "the queue is full" goes back to
// the caller as an error, and every connection made so far is dropped with it: the probe
// fails exactly when it has found what it was looking for.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting = Vec::new();
    while waiting.len() < ceiling {
        let conn = TcpStream::connect_timeout(&addr, wait)?;
        waiting.push(conn);
    }
    Ok(Filled {
        waiting,
        next: Next::NotTried,
    })
}
