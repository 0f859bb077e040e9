// CORRECT, written differently: one function; the time left from `checked_duration_since`
// (None or zero: too late), a shrinking slice, and the caller's timeout put back by one
// closure that every exit goes through.

use std::io::{Error, ErrorKind};
use std::time::{Duration, Instant};

use crate::{Sender, Unsent};

pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let deadline = Instant::now() + limit;
    let caller_timeout = match conn.send_timeout() {
        Ok(t) => t,
        Err(error) => return Err(Unsent { sent: 0, error }),
    };
    let mut rest = bytes;
    let outcome: Result<(), Error> = loop {
        if rest.is_empty() {
            break Ok(());
        }
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| *d > Duration::ZERO);
        let Some(left) = left else {
            break Err(Error::new(
                ErrorKind::TimedOut,
                "the message's deadline passed",
            ));
        };
        if let Err(e) = conn.set_send_timeout(Some(left)) {
            break Err(e);
        }
        match conn.send(rest) {
            Ok(0) => break Err(Error::new(ErrorKind::WriteZero, "send() took nothing")),
            Ok(n) => rest = &rest[n..],
            Err(e) => match e.kind() {
                ErrorKind::Interrupted => continue,
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    break Err(Error::new(ErrorKind::TimedOut, "send() timed out"))
                }
                _ => break Err(e),
            },
        }
    };
    let sent = bytes.len() - rest.len();
    let restored = conn.set_send_timeout(caller_timeout);
    outcome
        .and(restored)
        .map_err(|error| Unsent { sent, error })
}
