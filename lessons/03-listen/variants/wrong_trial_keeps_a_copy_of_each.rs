// WRONG: a copy of each connection (try_clone, a second descriptor) is kept "for later" in a
// static list: when the caller drops what it was given, the connections stay open, and the
// server never sees them end.
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::{Filled, Next};

use std::sync::Mutex;

static KEPT: Mutex<Vec<TcpStream>> = Mutex::new(Vec::new());

pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let mut waiting = Vec::new();
    while waiting.len() < ceiling {
        match TcpStream::connect_timeout(&addr, wait) {
            Ok(conn) => {
                KEPT.lock().unwrap().push(conn.try_clone()?);
                waiting.push(conn);
            }
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
