// CORRECT, written differently: a smaller buffer, and every new byte taken one at a time
// into `pending` (the limit checked at each byte), with a while loop counting the reads.

use std::io::{self, ErrorKind, Read};

use crate::{Ended, MAX_LINE, READS_PER_TURN};

pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let mut buf = vec![0u8; 1500];
    let mut reads = 0;
    while reads < READS_PER_TURN {
        reads += 1;
        let n = match stream.read(&mut buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Ended::WouldBlock),
            Err(e) => return Err(e),
            Ok(n) => n,
        };
        if n == 0 {
            return Ok(Ended::Eof);
        }
        for &byte in &buf[..n] {
            pending.push(byte);
            if pending.len() > MAX_LINE {
                pending.pop();
                return Ok(Ended::TooLong);
            }
            if byte == b'\n' {
                lines.push(pending.split_off(0));
            }
        }
    }
    Ok(Ended::MoreLeft)
}
