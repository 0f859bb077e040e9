// Reference solution for lesson 09's exercise. (Yours goes in exercise.rs.)

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

// ANCHOR: solution
/// Echo every line back until the client ends its stream, refusing the lines longer than
/// `max_line` bytes without ever holding more than `max_line` bytes of one.
pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut line = Vec::with_capacity(max_line);
    loop {
        // At most max_line bytes of this line: the limit is kept while reading, not after.
        line.clear();
        conn.by_ref()
            .take(max_line as u64)
            .read_until(b'\n', &mut line)?;
        if line.ends_with(b"\n") {
            // A whole line within the limit: back it goes, bytes as they came.
            conn.send_all(&line)?;
            done.echoed += 1;
        } else if line.len() == max_line {
            // max_line bytes and no newline: too long. Say so now, then drop the rest.
            conn.send_all(refusal(max_line).as_bytes())?;
            done.refused += 1;
            // The rest, up to and including its newline, read and dropped as it comes: never
            // kept, so a line of any length costs no memory. (End of stream on the way is
            // fine: the refused line had its answer.)
            conn.skip_until(b'\n')?;
        } else if line.is_empty() {
            return Ok(done); // end of stream, between two lines
        } else {
            let reason = "the client left in the middle of a line";
            return Err(io::Error::new(ErrorKind::UnexpectedEof, reason));
        }
    }
}
// ANCHOR_END: solution
