// WRONG: drops the rest of a refused line an arrival at a time, and once an arrival holds its
// newline, drops all of that arrival. When the next line came in the same arrival (a client
// that sends fast, or a kernel that merged two sends), it is lost.

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        conn.by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            summary.echoed += 1;
        } else if line.len() == max_line {
            conn.send_all(refusal(max_line).as_bytes())?;
            summary.refused += 1;
            loop {
                let arrived = match conn.fill_buf() {
                    Ok(arrived) => arrived,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                let (n, found) = (arrived.len(), arrived.contains(&b'\n'));
                conn.consume(n);
                if n == 0 || found {
                    break;
                }
            }
        } else if line.is_empty() {
            return Ok(summary);
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "line cut short"));
        }
    }
}
