// WRONG: treats what one read returns as one line: half a line is taken as whole, and two
// lines that arrive together come back as one.

use std::io::{self, ErrorKind, Read};

use crate::{Ended, MAX_LINE, READS_PER_TURN};

pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let mut buf = [0u8; 4096];
    let _ = pending;
    for _ in 0..READS_PER_TURN {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(Ended::Eof),
            Ok(n) if n > MAX_LINE => return Ok(Ended::TooLong),
            Ok(n) => lines.push(buf[..n].to_vec()),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Ended::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(Ended::MoreLeft)
}
