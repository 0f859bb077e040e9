// WRONG: on failure, reports the count of the LAST send() as the bytes sent, not the total
// so far: the caller thinks a few bytes went when most of the message did.

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
    let mut last = 0;
    while sent < bytes.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Unsent {
                sent: last,
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
            Ok(n) => {
                sent += n;
                last = n;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return Err(Unsent {
                    sent: last,
                    error: ErrorKind::TimedOut.into(),
                })
            }
            Err(error) => return Err(Unsent { sent: last, error }),
        }
    }
    Ok(())
}
