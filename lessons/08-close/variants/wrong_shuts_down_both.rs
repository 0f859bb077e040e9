// WRONG: shuts down both directions: after SHUT_RD, Linux's recv() hands out what is queued
// and then returns 0 at once, a false end of stream, so finish says Closed while the client
// is still reading; and the close that follows resets the connection (measured on Linux 6.18:
// the client got 128,000 bytes of the 1 MiB answer, then "connection reset by peer").

use std::io::{self, ErrorKind};
use std::net::Shutdown;
use std::time::Instant;

use crate::{Closing, Ending, Linger};

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let deadline = Instant::now() + limits.deadline;
    // FIN, and we are done with the connection both ways.
    match conn.shutdown(Shutdown::Both) {
        // The connection is gone already: the client reset it.
        Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(Ending::Reset { discarded: 0 }),
        other => other?,
    }
    let mut discarded = 0;
    let mut buf = [0u8; 4096];
    loop {
        // Never read past the limit; and an empty buffer would read 0, which looks like
        // the end of stream: stop before.
        let room = buf.len().min(limits.max_discard - discarded);
        if room == 0 {
            return Ok(Ending::TooMuch { discarded });
        }
        // ONE deadline for the whole drain: each recv() may wait for the time left only.
        // None left: stop (a zero timeout is refused, not "do not wait").
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Ending::TimedOut { discarded });
        }
        conn.set_read_timeout(left)?;
        match conn.recv(&mut buf[..room]) {
            Ok(0) => return Ok(Ending::Closed { discarded }),
            Ok(n) => discarded += n,
            Err(e) => match e.kind() {
                // The receive timeout: WouldBlock on Unix, TimedOut on Windows.
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    return Ok(Ending::TimedOut { discarded })
                }
                ErrorKind::ConnectionReset => return Ok(Ending::Reset { discarded }),
                // A signal interrupted the wait: wait again, for the time left.
                ErrorKind::Interrupted => {}
                _ => return Err(e),
            },
        }
    }
}
