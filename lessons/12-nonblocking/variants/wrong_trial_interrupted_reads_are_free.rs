// WRONG: counts only the reads that brought bytes toward READS_PER_TURN: a signal storm
// (EINTR after EINTR) keeps the call reading past its budget, and every other client waits.

use std::io::{self, ErrorKind, Read};

use crate::{Ended, MAX_LINE, READS_PER_TURN};

/// Take what the kernel holds for this connection now, without waiting, in at most
/// READS_PER_TURN reads. Every complete line (with its `\n`) goes into `lines`; a line still on
/// its way stays in `pending`, which never holds more than MAX_LINE bytes.
pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let mut buf = [0u8; 4096];
    // Read until WouldBlock: mio reports new bytes once, so whatever we leave unread now gets
    // no event of its own. But not for ever: a client that sends without pause would keep the
    // loop here, and every other client waiting.
    let mut reads = 0;
    while reads < READS_PER_TURN {
        let n = match stream.read(&mut buf) {
            Ok(0) => return Ok(Ended::Eof),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(Ended::WouldBlock),
            // A signal interrupted the call before it read anything: just try again.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        reads += 1;
        // One read may hold half a line, one line, or several. `pending` has no newline (every
        // line before was taken out), so look for newlines in the new bytes only.
        let mut new = &buf[..n];
        while let Some(i) = new.iter().position(|&b| b == b'\n') {
            if pending.len() + i + 1 > MAX_LINE {
                return Ok(Ended::TooLong);
            }
            pending.extend_from_slice(&new[..=i]);
            lines.push(std::mem::take(pending));
            new = &new[i + 1..];
        }
        // The limit, at every read: a line too long is refused as soon as its byte
        // MAX_LINE + 1 is here, not when the client stops sending.
        if pending.len() + new.len() > MAX_LINE {
            return Ok(Ended::TooLong);
        }
        pending.extend_from_slice(new);
    }
    Ok(Ended::MoreLeft)
}
