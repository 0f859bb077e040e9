// WRONG: checks the limit only on what is left pending after the last newline: a line that
// arrives whole in one read is never measured, however long it is.

use std::io::{self, ErrorKind, Read};

use crate::{Ended, MAX_LINE, READS_PER_TURN};

pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let mut buf = [0u8; 4096];
    for _ in 0..READS_PER_TURN {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(Ended::Eof),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Ended::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut new = &buf[..n];
        while let Some(i) = new.iter().position(|&b| b == b'\n') {
            pending.extend_from_slice(&new[..=i]);
            lines.push(std::mem::take(pending));
            new = &new[i + 1..];
        }
        if pending.len() + new.len() > MAX_LINE {
            return Ok(Ended::TooLong);
        }
        pending.extend_from_slice(new);
    }
    Ok(Ended::MoreLeft)
}
