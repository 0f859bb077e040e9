// WRONG: the loop stops one byte early (`sent + 1 < len`, an off-by-one in the
// condition): when a short send leaves exactly one byte, that last byte is never sent.

use crate::Sender;
use std::io;
pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let (mut sent, mut calls) = (0, 0);
    while sent + 1 < bytes.len() {
        match conn.send(&bytes[sent..]) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "0")),
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
