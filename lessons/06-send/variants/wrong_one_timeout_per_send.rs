// WRONG: the classic one: each send() gets the whole limit as its timeout. A reader that
// makes a little room now and then keeps every send() short of its timeout, and the
// message takes as long as the reader likes: a worker held for ever.

use std::io::ErrorKind;
use std::time::Duration;

use crate::{Sender, Unsent};

pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let before = conn
        .send_timeout()
        .map_err(|error| Unsent { sent: 0, error })?;
    let result = send_rest(conn, bytes, limit);
    match conn.set_send_timeout(before) {
        Ok(()) => result,
        Err(error) => result.and(Err(Unsent {
            sent: bytes.len(),
            error,
        })),
    }
}

fn send_rest(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let mut sent = 0;
    while sent < bytes.len() {
        conn.set_send_timeout(Some(limit))
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
