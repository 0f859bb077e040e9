// WRONG: the rest is taken from the LAST send()'s count, not from the total so far
// (`rest = &bytes[n..]`): after the second short send the bytes already sent go out again,
// for ever, since `rest` never gets shorter than the buffer minus one send.

use crate::Sender;
use std::io;
pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut rest = bytes;
    let mut calls = 0;
    while !rest.is_empty() {
        match conn.send(rest) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "0")),
            Ok(n) => {
                calls += 1;
                rest = &bytes[n..];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(calls)
}
