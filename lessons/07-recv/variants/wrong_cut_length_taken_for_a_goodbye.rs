// WRONG: any end of stream inside the 4 length bytes is taken for the clean goodbye: a peer
// that sent 2 of them and vanished (or a connection cut in the middle) is reported as "no
// more messages", and the lost message goes unnoticed.

use std::io::{self, ErrorKind, Read};

fn fill(conn: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match conn.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    if fill(conn, &mut length)? < 4 {
        return Ok(None);
    }
    let length = u32::from_be_bytes(length) as usize;
    if length > max {
        return Err(io::Error::new(ErrorKind::InvalidData, "message too long"));
    }
    let mut body = vec![0u8; length];
    if fill(conn, &mut body)? < length {
        return Err(io::Error::new(
            ErrorKind::UnexpectedEof,
            "cut off in the body",
        ));
    }
    Ok(Some(body))
}
