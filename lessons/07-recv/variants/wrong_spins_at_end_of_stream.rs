// WRONG: reads "until it has 4 bytes", adding whatever read() returns: at end of stream
// read() returns 0 again and again, and the loop never ends (a server stuck at 100% CPU on a
// client that left).

use std::io::{self, ErrorKind, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match conn.read(&mut length[got..]) {
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let length = u32::from_be_bytes(length) as usize;
    if length > max {
        return Err(io::Error::new(ErrorKind::InvalidData, "message too long"));
    }
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body)?;
    Ok(Some(body))
}
