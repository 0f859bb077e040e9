// WRONG: stops the loop at an error but reports success: the peer went away (or the send
// timeout ran out) with part of the bytes unsent, and the caller is told "all sent".

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut rest = bytes;
    let mut calls = 0;
    while !rest.is_empty() {
        match conn.send(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                rest = &rest[n..];
                calls += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    Ok(calls)
}
