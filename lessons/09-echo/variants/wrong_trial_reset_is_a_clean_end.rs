// WRONG: takes a reset (ConnectionReset) for the client's way of saying goodbye and returns
// the summary. A reset is an error, not an end of stream: the client's bytes in flight are
// lost, and the caller must hear about it as it is.

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut line = Vec::with_capacity(max_line);
    loop {
        line.clear();
        let read = conn
            .by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line);
        match read {
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(done),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            done.echoed += 1;
        } else if line.len() == max_line {
            conn.send_all(refusal(max_line).as_bytes())?;
            done.refused += 1;
            match conn.skip_until(b'\n') {
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(done),
                Err(e) => return Err(e),
                Ok(_) => {}
            }
        } else if line.is_empty() {
            return Ok(done);
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "cut short"));
        }
    }
}
