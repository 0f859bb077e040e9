// WRONG: sets the send timeout once, to the limit, before the loop: the same mistake as a
// timeout per send(), since SO_SNDTIMEO counts afresh in each send(). The deadline is only
// checked between sends, and a send() that waits the full limit passes it by far.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use crate::{Sender, Unsent};

pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let deadline = Instant::now() + limit;
    let before = conn
        .send_timeout()
        .map_err(|error| Unsent { sent: 0, error })?;
    let result = send_rest(conn, bytes, deadline);
    match conn.set_send_timeout(before) {
        Ok(()) => result,
        Err(error) => result.and(Err(Unsent {
            sent: bytes.len(),
            error,
        })),
    }
}

fn send_rest(conn: &mut impl Sender, bytes: &[u8], deadline: Instant) -> Result<(), Unsent> {
    let mut sent = 0;
    let limit = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    conn.set_send_timeout(Some(limit))
        .map_err(|error| Unsent { sent, error })?;
    while sent < bytes.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Unsent {
                sent,
                error: ErrorKind::TimedOut.into(),
            });
        }
        match conn.send(&bytes[sent..]) {
            Ok(0) => {
                return Err(Unsent {
                    sent,
                    error: ErrorKind::WriteZero.into(),
                })
            }
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return Err(Unsent {
                    sent,
                    error: ErrorKind::TimedOut.into(),
                })
            }
            Err(error) => return Err(Unsent { sent, error }),
        }
    }
    Ok(())
}
