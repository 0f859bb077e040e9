// WRONG: sends back each arrival's piece of a line as it comes, as the notes' server sends
// back what one recv() gave: no waiting for the newline, no limit to keep. A line that comes
// in pieces goes back in pieces (several send_all for one line), a line that is too long is
// echoed instead of refused, and half a line goes back before its client has finished it.

use std::io::{self, ErrorKind};

use crate::{Client, Summary};

pub fn echo_lines(conn: &mut impl Client, _max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut in_line = false;
    loop {
        let arrived = match conn.fill_buf() {
            Ok(arrived) => arrived.to_vec(),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if arrived.is_empty() {
            if in_line {
                return Err(ErrorKind::UnexpectedEof.into());
            }
            return Ok(done);
        }
        let take = arrived
            .iter()
            .position(|&b| b == b'\n')
            .map_or(arrived.len(), |i| i + 1);
        conn.consume(take);
        conn.send_all(&arrived[..take])?;
        in_line = arrived[take - 1] != b'\n';
        if !in_line {
            done.echoed += 1;
        }
    }
}
