// WRONG: loops until the COUNT adds up, but offers `bytes` (the start of the buffer) each
// time instead of what is left: after a short send, the bytes already sent go out again and
// the tail never does. The peer gets the right number of bytes, not the right bytes.

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut sent = 0;
    let mut calls = 0;
    while sent < bytes.len() {
        match conn.send(&bytes[..bytes.len() - sent]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                sent += n;
                calls += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(calls)
}
