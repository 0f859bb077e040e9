// WRONG: takes end of stream for the end of a line: a client that left in the middle of a
// line gets that half line echoed, as if it had been a whole message.

use std::io::{self, BufRead, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        conn.by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.is_empty() {
            return Ok(summary);
        } else if line.len() == max_line && !line.ends_with(b"\n") {
            conn.send_all(refusal(max_line).as_bytes())?;
            summary.refused += 1;
            conn.skip_until(b'\n')?;
        } else {
            conn.send_all(&line)?;
            summary.echoed += 1;
        }
    }
}
