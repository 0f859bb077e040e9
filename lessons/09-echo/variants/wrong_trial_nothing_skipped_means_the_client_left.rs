// WRONG: reads skip_until's count as "did the line end": when it dropped nothing, the client
// must have left in the middle of the line, so UnexpectedEof. But a line refused at exactly
// max_line bytes, with end of stream right after them, has had its answer: that end is a
// plain end (and skip_until counts what it dropped, whether a newline came or not).

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut line = Vec::with_capacity(max_line);
    loop {
        line.clear();
        conn.by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            done.echoed += 1;
        } else if line.len() == max_line {
            conn.send_all(refusal(max_line).as_bytes())?;
            done.refused += 1;
            if conn.skip_until(b'\n')? == 0 {
                return Err(io::Error::new(ErrorKind::UnexpectedEof, "cut short"));
            }
        } else if line.is_empty() {
            return Ok(done);
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "cut short"));
        }
    }
}
