// WRONG: believes the notes ("send() sends all data") and calls send() once. When it takes
// only part of the bytes, the rest is silently lost, and the function still says "ok".

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    if bytes.is_empty() {
        return Ok(0);
    }
    conn.send(bytes)?;
    Ok(1)
}
