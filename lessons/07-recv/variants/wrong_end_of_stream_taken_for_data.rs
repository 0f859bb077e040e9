// WRONG: stops reading at end of stream and returns what it has as if it were the message:
// a peer that leaves in the middle of a body delivers half a message, and nobody notices.

use std::io::{self, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let got = fill(conn, &mut header)?;
    if got == 0 {
        return Ok(None);
    }
    let len = u32::from_be_bytes(header) as usize;
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
    }
    let mut body = vec![0u8; len];
    let got = fill(conn, &mut body)?;
    body.truncate(got);
    Ok(Some(body))
}

fn fill(conn: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match conn.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
