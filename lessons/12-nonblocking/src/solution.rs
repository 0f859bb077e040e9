//! Reference solution for lesson 12's exercise. (Yours goes in exercise.rs.)

use std::io::{ErrorKind, Read};

use common::{show_bytes, Narrator, Result};

/// How a `read_ready` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The kernel has nothing more for now: wait for the next readiness event.
    WouldBlock,
    /// The client has closed its side: there will be nothing more, ever.
    Eof,
}

// ANCHOR: solution
/// Take everything the kernel holds for this connection now, without waiting. Every
/// complete line (with its `\n`) goes into `lines`; a line still on its way stays in `pending`.
pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
    say: &Narrator,
) -> Result<Ended> {
    let mut buf = [0u8; 4096];
    // Read until WouldBlock: mio reports a socket ready once, when bytes arrive, so whatever
    // we leave unread now would wait until the client happens to send again.
    loop {
        say.next("recv(4096)", "take what has arrived, without waiting");
        match stream.read(&mut buf) {
            Ok(0) => {
                say.done("0 bytes: end of stream");
                return Ok(Ended::Eof);
            }
            Ok(n) => {
                say.done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
                pending.extend_from_slice(&buf[..n]);
                // One read may hold half a line, one line, or several: split at each newline.
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    lines.push(pending.drain(..=end).collect());
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                say.done("WouldBlock: nothing more for now");
                return Ok(Ended::WouldBlock);
            }
            // A signal interrupted the call before it read anything: just try again.
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(say.fail(e)),
        }
    }
}
// ANCHOR_END: solution
