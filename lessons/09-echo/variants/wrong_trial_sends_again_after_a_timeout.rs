// WRONG: a send_all that timed out (TimedOut, or WouldBlock: SO_SNDTIMEO ran out) is made
// again, "the client is only slow". Each new send_all gets a fresh deadline of its own, so a
// client that never reads its echoes holds the server for ever (the echo's deadline is what
// drops it); and part of the line may have gone out already, so the client would get those
// bytes twice. An error from send_all ends the loop, returned as it is.

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

fn send(conn: &mut impl Client, bytes: &[u8]) -> io::Result<()> {
    loop {
        match conn.send_all(bytes) {
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {}
            other => return other,
        }
    }
}

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut line = Vec::with_capacity(max_line);
    loop {
        line.clear();
        conn.by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.ends_with(b"\n") {
            send(conn, &line)?;
            done.echoed += 1;
        } else if line.len() == max_line {
            send(conn, refusal(max_line).as_bytes())?;
            done.refused += 1;
            conn.skip_until(b'\n')?;
        } else if line.is_empty() {
            return Ok(done);
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "cut short"));
        }
    }
}
