// WRONG: like the notes' server, calls recv() ONCE and takes what came back as the whole
// message. It works on loopback when the message arrives in one piece, and breaks when it
// does not (and a second message that came in the same recv() is lost).

use std::io::{self, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; 4 + max];
    let n = conn.read(&mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if n < 4 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short header"));
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
    }
    Ok(Some(buf[4..n.min(4 + len)].to_vec()))
}
