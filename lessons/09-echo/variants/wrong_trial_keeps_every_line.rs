// WRONG: keeps a copy of every line it echoes (a log, "for later"), and never lets go of it.
// Each line is within max_line, but the copies add up with every line: a client that sends
// short lines for long enough makes the server run out of memory all the same. The memory
// bound holds for the whole call, whatever the client sends, not for one line.

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut line = Vec::with_capacity(max_line);
    loop {
        line.clear();
        conn.by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            seen.push(line.clone());
            done.echoed += 1;
        } else if line.len() == max_line {
            conn.send_all(refusal(max_line).as_bytes())?;
            done.refused += 1;
            conn.skip_until(b'\n')?;
        } else if line.is_empty() {
            return Ok(done);
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "cut short"));
        }
    }
}
