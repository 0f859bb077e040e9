// WRONG: with max_discard 0 ("read nothing") it returns TooMuch before ending the sending
// direction: the client never learns that the answer is complete (no FIN) until the caller
// closes; with unread bytes that close is a reset, and the end of the answer is lost.

use std::io::{self, ErrorKind};
use std::net::Shutdown;
use std::time::Instant;

use crate::{Closing, Ending, Linger};

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let deadline = Instant::now() + limits.deadline;
    if limits.max_discard == 0 {
        return Ok(Ending::TooMuch { discarded: 0 });
    }
    match conn.shutdown(Shutdown::Write) {
        Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(Ending::Reset { discarded: 0 }),
        other => other?,
    }
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
                ErrorKind::ConnectionReset => return Ok(Ending::Reset { discarded }),
                ErrorKind::Interrupted => {}
                _ => return Err(e),
            },
        }
    }
}
