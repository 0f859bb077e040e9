// WRONG: sets the receive timeout to the whole deadline once, before the first recv(): it
// limits each recv(), not the drain, so a client that sends a byte every 100 ms keeps the
// server waiting for as long as it likes.

use std::io::{self, ErrorKind};
use std::net::Shutdown;

use crate::{Closing, Ending, Linger};

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    // FIN: the client learns that the answer is complete. Only our direction ends: we still
    // read, so that nothing stays unread when we close (unread bytes make close() send RST).
    match conn.shutdown(Shutdown::Write) {
        // The connection is gone already: the client reset it.
        Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(Ending::Reset { discarded: 0 }),
        other => other?,
    }
    let mut discarded = 0;
    let mut buf = [0u8; 4096];
    if limits.deadline.is_zero() {
        return Ok(Ending::TimedOut { discarded });
    }
    conn.set_read_timeout(limits.deadline)?;
    loop {
        // Never read past the limit; and an empty buffer would read 0, which looks like
        // the end of stream: stop before.
        let room = buf.len().min(limits.max_discard - discarded);
        if room == 0 {
            return Ok(Ending::TooMuch { discarded });
        }
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
