// CORRECT, written differently: the first byte on its own (to tell a clean end of stream
// from a cut), then std's read_exact for the rest of the length and for the body (it retries
// Interrupted and fails with UnexpectedEof, in its own words); the body grows by `take`
// instead of a buffer sized in advance.

use std::io::{self, ErrorKind, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut first = [0u8; 1];
    loop {
        match conn.read(&mut first) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let mut others = [0u8; 3];
    conn.read_exact(&mut others)?;
    let announced = u32::from_be_bytes([first[0], others[0], others[1], others[2]]);
    let len = usize::try_from(announced).map_err(|_| ErrorKind::InvalidData)?;
    if len > max {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!("{len} > {max}: refused"),
        ));
    }
    let mut body = Vec::new();
    let got = conn.take(len as u64).read_to_end(&mut body)?;
    if got < len {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(body))
}
