// WRONG: sets aside a buffer of `max` bytes for every message ("the most it can be"), then
// reads the body into its start: bounded, but a 5-byte message under a 64 MiB limit takes
// 64 MiB, for every message of every connection.

use std::io::{self, Read};
pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; max.max(4)];
    let got = fill(conn, &mut buf[..4])?;
    if got == 0 {
        return Ok(None);
    }
    if got < 4 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len > max {
        return Err(io::ErrorKind::InvalidData.into());
    }
    if fill(conn, &mut buf[..len])? < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    buf.truncate(len);
    Ok(Some(buf))
}
fn fill(conn: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match conn.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
