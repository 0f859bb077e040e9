// WRONG: always gives recv() at least 1 ms, even when no time is left: a deadline of zero
// still reads what the client sent, and a deadline that passed during a recv() reads again
// (here up to the client's end of stream, Closed, where the deadline said TimedOut).

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
    let mut discarded = 0;
    let mut buf = [0u8; 4096];
    loop {
        let room = buf.len().min(limits.max_discard - discarded);
        if room == 0 {
            return Ok(Ending::TooMuch { discarded });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        conn.set_read_timeout(left.max(std::time::Duration::from_millis(1)))?;
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
