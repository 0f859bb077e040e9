// WRONG: puts the caller's timeout back on every path, but throws away the error if that
// fails (`let _ =`): the caller is told Ok(()) and its connection keeps the last short
// timeout, so its next send() fails for no reason it can see.

use std::io::{Error, ErrorKind};
use std::time::{Duration, Instant};

use crate::{Sender, Unsent};

pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let old = conn
        .send_timeout()
        .map_err(|error| Unsent { sent: 0, error })?;
    let start = Instant::now();
    let mut sent = 0;
    let mut result = Ok(());
    while sent < bytes.len() {
        let spent = start.elapsed();
        if spent >= limit {
            result = Err(Error::from(ErrorKind::TimedOut));
            break;
        }
        if let Err(e) = conn.set_send_timeout(Some(limit - spent)) {
            result = Err(e);
            break;
        }
        match conn.send(&bytes[sent..]) {
            Ok(0) => {
                result = Err(ErrorKind::WriteZero.into());
                break;
            }
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                result = Err(ErrorKind::TimedOut.into());
                break;
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let _ = conn.set_send_timeout(old);
    result.map_err(|error| Unsent { sent, error })
}
