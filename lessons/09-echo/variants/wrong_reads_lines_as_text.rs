// WRONG: reads each line with read_line into a String, as the notes' Python decodes its
// bytes: read_line insists on UTF-8, so the first line that is not (b"caf\xc3\xa9 \xff\xfe\n")
// ends the loop with InvalidData. An echo carries bytes; it has no reason to decode them.

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut line = String::with_capacity(max_line);
    loop {
        // At most max_line bytes of this line, as text.
        line.clear();
        conn.by_ref().take(max_line as u64).read_line(&mut line)?;
        if line.ends_with('\n') {
            conn.send_all(line.as_bytes())?;
            done.echoed += 1;
        } else if line.len() == max_line {
            conn.send_all(refusal(max_line).as_bytes())?;
            done.refused += 1;
            conn.skip_until(b'\n')?;
        } else if line.is_empty() {
            return Ok(done);
        } else {
            let reason = "the client left in the middle of a line";
            return Err(io::Error::new(ErrorKind::UnexpectedEof, reason));
        }
    }
}
