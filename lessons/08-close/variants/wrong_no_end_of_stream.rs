// WRONG: drains without ending the sending direction first: the client has the whole answer
// but no end of stream, so it waits for one, while finish waits for the client's: both wait
// until the deadline.

use std::io::{self, ErrorKind};
use std::time::Instant;

use crate::{Closing, Ending, Linger};

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let deadline = Instant::now() + limits.deadline;
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
        conn.set_read_timeout(left)?;
        match conn.recv(&mut buf[..room]) {
            Ok(0) => return Ok(Ending::Closed { discarded }),
            Ok(n) => discarded += n,
            Err(e) => match e.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    return Ok(Ending::TimedOut { discarded })
                }
                ErrorKind::ConnectionReset | ErrorKind::NotConnected => {
                    return Ok(Ending::Reset { discarded })
                }
                ErrorKind::Interrupted => {}
                _ => return Err(e),
            },
        }
    }
}
