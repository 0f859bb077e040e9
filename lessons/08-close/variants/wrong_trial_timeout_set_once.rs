// WRONG: sets the receive timeout once, to the whole deadline, and checks the deadline only
// between recv() calls: SO_RCVTIMEO counts from the start of each recv(), so a client that
// sends one byte late keeps the next recv() waiting up to a whole deadline past it.

use std::io::{self, ErrorKind};
use std::net::Shutdown;
use std::time::Instant;

use crate::{Closing, Ending, Linger};

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let deadline = Instant::now() + limits.deadline;
    match conn.shutdown(Shutdown::Write) {
        Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(Ending::Reset { discarded: 0 }),
        other => other?,
    }
    if limits.deadline.is_zero() {
        return Ok(Ending::TimedOut { discarded: 0 });
    }
    conn.set_read_timeout(limits.deadline)?;
    let mut discarded = 0;
    let mut buf = [0u8; 4096];
    loop {
        let room = buf.len().min(limits.max_discard - discarded);
        if room == 0 {
            return Ok(Ending::TooMuch { discarded });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Ending::TimedOut { discarded });
        }
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
