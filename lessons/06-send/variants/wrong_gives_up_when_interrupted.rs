// WRONG: `?` on every send(): a signal that interrupts the wait (EINTR, nothing taken) ends
// the whole transfer with an error, though nothing went wrong.

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut rest = bytes;
    let mut calls = 0;
    while !rest.is_empty() {
        let n = conn.send(rest)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        rest = &rest[n..];
        calls += 1;
    }
    Ok(calls)
}
