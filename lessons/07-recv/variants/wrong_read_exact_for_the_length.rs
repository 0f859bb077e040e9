// WRONG: `read_exact` for the 4 length bytes: it turns every end of stream into
// UnexpectedEof, the clean goodbye between two messages included, so a peer that simply says
// it is done looks like one that was cut off.

use std::io::{self, ErrorKind, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    conn.read_exact(&mut length)?;
    let length = u32::from_be_bytes(length) as usize;
    if length > max {
        return Err(io::Error::new(ErrorKind::InvalidData, "message too long"));
    }
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body)?;
    Ok(Some(body))
}
