// WRONG: puts the caller's timeout back only when every byte went: after a timeout or a
// dead peer, the socket keeps the last, short timeout, and the caller's next send() on it
// fails for no reason it can see.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use crate::{Sender, Unsent};

pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let deadline = Instant::now() + limit;
    let before = conn
        .send_timeout()
        .map_err(|error| Unsent { sent: 0, error })?;
    send_rest(conn, bytes, deadline)?;
    conn.set_send_timeout(before).map_err(|error| Unsent {
        sent: bytes.len(),
        error,
    })
}

fn send_rest(conn: &mut impl Sender, bytes: &[u8], deadline: Instant) -> Result<(), Unsent> {
    let mut sent = 0;
    while sent < bytes.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Unsent {
                sent,
                error: ErrorKind::TimedOut.into(),
            });
        }
        conn.set_send_timeout(Some(left))
            .map_err(|error| Unsent { sent, error })?;
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
