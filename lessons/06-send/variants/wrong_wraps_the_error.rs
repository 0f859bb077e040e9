// WRONG: wraps the send() error in a new one, with more words (`io::Error::other(format!(…))`):
// the caller can no longer tell a peer that went away (BrokenPipe, ConnectionReset) from a
// send timeout (WouldBlock): every error is now ErrorKind::Other.

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut sent = 0;
    let mut calls = 0;
    while sent < bytes.len() {
        match conn.send(&bytes[sent..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                sent += n;
                calls += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let total = bytes.len();
                return Err(io::Error::other(format!(
                    "send failed after {sent} of {total} bytes: {e}"
                )));
            }
        }
    }
    Ok(calls)
}
