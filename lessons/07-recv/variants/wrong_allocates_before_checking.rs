// WRONG: sets aside the body's buffer (`vec![0; len]`) BEFORE checking the length against
// the limit. The answer is still "too long", but a peer that announces 4 GB has already made
// the server reserve 4 GB: the check came too late to protect anything.

use std::io::{self, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let got = fill(conn, &mut header)?;
    if got == 0 {
        return Ok(None);
    }
    if got < 4 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let len = u32::from_be_bytes(header) as usize;
    let mut body = vec![0u8; len];
    if len > max {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
    }
    if fill(conn, &mut body)? < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
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
