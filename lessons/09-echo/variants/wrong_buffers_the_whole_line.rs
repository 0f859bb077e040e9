// WRONG: reads the whole line first (read_until with no limit) and looks at its length after.
// A client that sends 64 MiB without a newline makes the server hold 64 MiB: the attacker's
// first try. The limit must be kept while reading.

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = conn.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(summary);
        }
        if line.len() > max_line {
            conn.send_all(refusal(max_line).as_bytes())?;
            summary.refused += 1;
        } else if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            summary.echoed += 1;
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "line cut short"));
        }
    }
}
