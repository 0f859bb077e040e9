// WRONG: wraps conn in a new BufReader for each line, the usual way to get read_until on a
// reader. The BufReader takes a whole arrival from conn into its own buffer, and when it is
// dropped at the end of the line, whatever it held past the newline goes with it: a line that
// came in the same arrival as the one before it (a fast client, or two sends merged by the
// kernel) is lost. conn is already a BufRead: read from it directly.

use std::io::{self, BufRead, BufReader, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut line = Vec::with_capacity(max_line);
    loop {
        line.clear();
        BufReader::new(&mut *conn)
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
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
