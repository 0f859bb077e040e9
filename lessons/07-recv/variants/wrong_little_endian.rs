// WRONG: decodes the length with `from_le_bytes`: the bytes 0 0 0 5 (five, in network byte
// order) are read as 83 886 080, over any sane limit.

use std::io::{self, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match conn.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_le_bytes(header) as usize;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
    }
    let mut body = vec![0u8; len];
    conn.read_exact(&mut body)?;
    Ok(Some(body))
}
