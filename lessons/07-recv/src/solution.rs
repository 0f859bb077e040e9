// Reference solution for lesson 07's exercise. (Yours goes in exercise.rs.)

use std::io::{self, Read};

// ANCHOR: solution
/// Read one length-prefixed message: a 4-byte big-endian length, then that many bytes.
/// `Ok(None)` means a clean end of stream: the peer closed between two messages.
pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    // The header. recv() may hand it over in pieces, so fill it bit by bit.
    let mut header = [0u8; 4];
    let got = fill(conn, &mut header)?;
    if got == 0 {
        return Ok(None);
    }
    if got < header.len() {
        return Err(closed_after(got, header.len()));
    }
    let len = u32::from_be_bytes(header) as usize;
    // Check the length BEFORE allocating: a hostile peer could announce 4 GB.
    if len > max {
        let reason = format!("message of {len} bytes announced; the limit is {max}");
        return Err(io::Error::new(io::ErrorKind::InvalidData, reason));
    }
    let mut body = vec![0u8; len];
    let got = fill(conn, &mut body)?;
    if got < len {
        return Err(closed_after(got, len));
    }
    Ok(Some(body))
}

/// Call recv() until `buf` is full or the stream ends; return how many bytes arrived.
fn fill(conn: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match conn.read(&mut buf[got..]) {
            Ok(0) => break, // end of stream
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn closed_after(got: usize, want: usize) -> io::Error {
    let reason = format!("the peer closed after {got} of {want} bytes");
    io::Error::new(io::ErrorKind::UnexpectedEof, reason)
}
// ANCHOR_END: solution
