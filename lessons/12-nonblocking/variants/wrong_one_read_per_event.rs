// WRONG: reads once per readiness event, as a level-triggered loop could. mio is
// edge-triggered: the bytes left in the kernel get no new event, and wait for ever.

use std::io::{self, ErrorKind, Read};

use crate::{Ended, MAX_LINE, READS_PER_TURN};

pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let mut buf = [0u8; 4096];
    let _ = READS_PER_TURN;
    let n = loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(Ended::Eof),
            Ok(n) => break n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Ended::WouldBlock),
            Err(e) => return Err(e),
        }
    };
    for &byte in &buf[..n] {
        pending.push(byte);
        if pending.len() > MAX_LINE {
            return Ok(Ended::TooLong);
        }
        if byte == b'\n' {
            lines.push(std::mem::take(pending));
        }
    }
    Ok(Ended::WouldBlock)
}
