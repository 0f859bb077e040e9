// WRONG: measures each piece of a read on its own (`piece.len() > MAX_LINE`), not the line it
// belongs to: a line that comes in reads of 600 bytes is never over the limit, and `pending`
// grows without end.

use crate::{Ended, MAX_LINE, READS_PER_TURN};
use std::io::{self, ErrorKind, Read};
pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let mut buf = [0u8; 4096];
    let mut reads = 0;
    while reads < READS_PER_TURN {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(Ended::Eof),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Ended::WouldBlock),
            Err(e) => return Err(e),
        };
        reads += 1;
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let (piece, newline) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..=i], true),
                None => (rest, false),
            };
            if piece.len() > MAX_LINE {
                return Ok(Ended::TooLong);
            }
            pending.extend_from_slice(piece);
            if newline {
                lines.push(std::mem::take(pending));
            }
            rest = &rest[piece.len()..];
        }
    }
    Ok(Ended::MoreLeft)
}
