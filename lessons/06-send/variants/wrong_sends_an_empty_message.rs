// WRONG: a do-while loop: it calls send() first and looks whether bytes are left after,
// so an empty message still gets a send() of 0 bytes (which takes 0, so: WriteZero). An
// empty message needs no send() at all.

use std::io::{self, ErrorKind};
use std::time::{Duration, Instant};

use crate::{Sender, Unsent};

/// Send every byte of `bytes`, in order, within `limit` for the whole message.
pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    // One deadline, fixed now: every send() below gets only what is left of it.
    let deadline = Instant::now() + limit;
    let before = conn
        .send_timeout()
        .map_err(|error| Unsent { sent: 0, error })?;
    let sent = send_before(conn, bytes, deadline);
    // Put the caller's timeout back on every path, then report the first failure.
    let restored = conn.set_send_timeout(before);
    match (sent, restored) {
        (Err(unsent), _) => Err(unsent),
        (Ok(()), Err(error)) => Err(Unsent {
            sent: bytes.len(),
            error,
        }),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// The loop: offer the rest, each `send()` allowed to wait only until `deadline`.
fn send_before(conn: &mut impl Sender, bytes: &[u8], deadline: Instant) -> Result<(), Unsent> {
    let mut sent = 0;
    let late = |sent| Unsent {
        sent,
        error: ErrorKind::TimedOut.into(),
    };
    // Send, then look whether more is left (a do-while): an empty message gets one send().
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(late(sent));
        }
        let fail = |error| Unsent { sent, error };
        conn.set_send_timeout(Some(left)).map_err(fail)?;
        match conn.send(&bytes[sent..]) {
            // Taking nothing is not progress: offering the same bytes again would spin.
            Ok(0) => return Err(fail(io::Error::from(ErrorKind::WriteZero))),
            // The kernel took the first n bytes of the rest; what follows them is next.
            Ok(n) => sent += n,
            // A signal came first, nothing was taken: try again, with less time left.
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // SO_SNDTIMEO ran out with nothing taken (WouldBlock on Unix): the deadline.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(late(sent))
            }
            Err(error) => return Err(fail(error)),
        }
        if sent == bytes.len() {
            return Ok(());
        }
    }
}
