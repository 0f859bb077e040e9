// WRONG: bounds the line, then "drops" the rest of a refused line by reading it into a
// scratch buffer with read_until: the rest is unbounded, so a 64 MiB line is held whole after
// all, only in another Vec. Dropping must not keep what it drops.

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    loop {
        let mut line = Vec::new();
        let n = conn
            .by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(summary);
        }
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            summary.echoed += 1;
        } else if n < max_line {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "line cut short"));
        } else {
            conn.send_all(refusal(max_line).as_bytes())?;
            summary.refused += 1;
            let mut rest = Vec::new();
            conn.read_until(b'\n', &mut rest)?;
        }
    }
}
