// WRONG: drops the rest of the long line first and sends the refusal only once its end has
// come. A client that keeps sending (a flood) never hears why nothing comes back, and one
// whose connection fails in the middle never gets the answer it was owed.

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
            conn.skip_until(b'\n')?;
            conn.send_all(refusal(max_line).as_bytes())?;
            summary.refused += 1;
        } else if line.is_empty() {
            return Ok(summary);
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "line cut short"));
        }
    }
}
