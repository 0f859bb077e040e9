// WRONG: cuts the buffer into 4 KiB chunks and sends each chunk ONCE: a short send loses
// the tail of that chunk, and the next chunk follows straight after the hole.

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut calls = 0;
    for chunk in bytes.chunks(4096) {
        match conn.send(chunk)? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            _ => calls += 1,
        }
    }
    Ok(calls)
}
