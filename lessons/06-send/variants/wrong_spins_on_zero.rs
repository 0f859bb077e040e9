// WRONG: takes Ok(0) for progress. A send() that takes nothing is offered the same bytes
// again and again: the loop never ends.

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut rest = bytes;
    let mut calls = 0;
    while !rest.is_empty() {
        match conn.send(rest) {
            Ok(n) => {
                rest = &rest[n..];
                if n > 0 {
                    calls += 1;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(calls)
}
