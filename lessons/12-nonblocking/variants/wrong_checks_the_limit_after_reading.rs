// WRONG: checks the line limit only once the reads are over: a newline-less flood is read (and
// held) in full, READS_PER_TURN x 4 KiB per turn, before anything is refused.

use std::io::{self, ErrorKind, Read};

use crate::{Ended, MAX_LINE, READS_PER_TURN};

pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let mut buf = [0u8; 4096];
    let mut ended = Ended::MoreLeft;
    for _ in 0..READS_PER_TURN {
        let n = match stream.read(&mut buf) {
            Ok(0) => {
                ended = Ended::Eof;
                break;
            }
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                ended = Ended::WouldBlock;
                break;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(i) = pending.iter().position(|&b| b == b'\n') {
            lines.push(pending.drain(..=i).collect());
        }
    }
    if pending.len() > MAX_LINE || lines.iter().any(|l| l.len() > MAX_LINE) {
        return Ok(Ended::TooLong);
    }
    Ok(ended)
}
