// WRONG: ignores what shutdown() says: a failure of the server's own (here InvalidInput) is
// lost, and finish goes on as if the client had been told the answer was complete. (A
// NotConnected from a client's reset still ends as Reset: the next recv() reports it.)

use std::io::{self, ErrorKind};
use std::net::Shutdown;
use std::time::Instant;

use crate::{Closing, Ending, Linger};

/// The lingering close: FIN first, then read and throw away what the client still sends,
/// until its end of stream, within one deadline and a byte limit.
pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let deadline = Instant::now() + limits.deadline;
    // FIN: the client learns that the answer is complete. Only our direction ends: we still
    // read, so that nothing stays unread when we close (unread bytes make close() send RST).
    let _ = conn.shutdown(Shutdown::Write);
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
