// WRONG: swallows an error from reading the caller's send timeout (unwrap_or(None)) and then
// "restores" None: the caller's timeout is lost and the error hidden ("any other error from
// conn ends the call at once"). Passes every check: no fake fails send_timeout() (trial of issue 11).
use std::io;
use std::time::{Duration, Instant};

#[allow(unused_imports)]
use crate::{Sender, Unsent};

pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    if bytes.is_empty() {
        return Ok(());
    }
    let deadline = Instant::now() + limit;
    let before = conn.send_timeout().unwrap_or(None);
    let result = send_loop(conn, bytes, deadline);
    let restored = conn.set_send_timeout(before);
    match (result, restored) {
        (Err(e), _) => Err(e),
        (Ok(()), Err(error)) => Err(Unsent {
            sent: bytes.len(),
            error,
        }),
        (Ok(()), Ok(())) => Ok(()),
    }
}

fn send_loop(conn: &mut impl Sender, bytes: &[u8], deadline: Instant) -> Result<(), Unsent> {
    let mut sent = 0;
    while sent < bytes.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Unsent {
                sent,
                error: io::Error::new(io::ErrorKind::TimedOut, "deadline passed"),
            });
        }
        conn.set_send_timeout(Some(left))
            .map_err(|error| Unsent { sent, error })?;
        match conn.send(&bytes[sent..]) {
            Ok(0) => {
                return Err(Unsent {
                    sent,
                    error: io::Error::new(io::ErrorKind::WriteZero, "send took 0 bytes"),
                })
            }
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Unsent {
                    sent,
                    error: io::Error::new(io::ErrorKind::TimedOut, e),
                })
            }
            Err(error) => return Err(Unsent { sent, error }),
        }
    }
    Ok(())
}
