// WRONG: ends the receiving direction too when it gives up (deadline or limit), "since
// nothing more will be read": the contract says never; after SHUT_RD Linux's recv() returns
// 0 at once, and on other systems the bytes that arrive after it are dropped.

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
            conn.shutdown(Shutdown::Read)?;
            return Ok(Ending::TooMuch { discarded });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            conn.shutdown(Shutdown::Read)?;
            return Ok(Ending::TimedOut { discarded });
        }
        conn.set_read_timeout(left)?;
        match conn.recv(&mut buf[..room]) {
            Ok(0) => return Ok(Ending::Closed { discarded }),
            Ok(n) => discarded += n,
            Err(e) => match e.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    conn.shutdown(Shutdown::Read)?;
                    return Ok(Ending::TimedOut { discarded })
                }
                ErrorKind::ConnectionReset => return Ok(Ending::Reset { discarded }),
                ErrorKind::Interrupted => {}
                _ => return Err(e),
            },
        }
    }
}
