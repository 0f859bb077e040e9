// WRONG: computes the time left as deadline - elapsed, which panics ("overflow when
// subtracting durations") once a recv() has returned after the deadline: a busy machine
// that runs the server a little late crashes it.

use std::io::{self, ErrorKind};
use std::net::Shutdown;
use std::time::Instant;

use crate::{Closing, Ending, Linger};

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let began = Instant::now();
    match conn.shutdown(Shutdown::Write) {
        Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(Ending::Reset { discarded: 0 }),
        other => other?,
    }
    if limits.deadline.is_zero() {
        return Ok(Ending::TimedOut { discarded: 0 });
    }
    let mut discarded = 0;
    let mut buf = [0u8; 4096];
    loop {
        let room = buf.len().min(limits.max_discard - discarded);
        if room == 0 {
            return Ok(Ending::TooMuch { discarded });
        }
        let left = limits.deadline - began.elapsed();
        if left.is_zero() {
            return Ok(Ending::TimedOut { discarded });
        }
        conn.set_read_timeout(left)?;
        match conn.recv(&mut buf[..room]) {
            Ok(0) => return Ok(Ending::Closed { discarded }),
            Ok(n) => discarded += n,
            Err(e) => match e.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    return Ok(Ending::TimedOut { discarded })
                }
                ErrorKind::ConnectionReset => return Ok(Ending::Reset { discarded }),
                ErrorKind::Interrupted => {}
                _ => return Err(e),
            },
        }
    }
}
