// WRONG: reads again after Interrupted only once in a row, "so as not to loop for ever": a
// second interruption before any byte came (two stops and continues in a row) ends the client
// though nothing ended. Every Interrupted read is made again, however many come.

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line: Vec<u8> = Vec::new();
    let mut dropping = false;
    let mut retried = false;
    loop {
        let arrived = match conn.fill_buf() {
            Ok(arrived) => arrived,
            // Read again once; a second interruption in a row is taken as an error.
            Err(e) if e.kind() == ErrorKind::Interrupted && !retried => {
                retried = true;
                continue;
            }
            Err(e) => return Err(e),
        };
        retried = false;
        if arrived.is_empty() {
            if line.is_empty() {
                return Ok(summary);
            }
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "line cut short"));
        }
        let newline = arrived.iter().position(|&b| b == b'\n');
        let take = newline.map_or(arrived.len(), |i| i + 1);
        if dropping {
            conn.consume(take);
            dropping = newline.is_none();
            continue;
        }
        // Take no more than the room left in this line; the rest stays for later.
        let take = take.min(max_line - line.len());
        line.extend_from_slice(&arrived[..take]);
        conn.consume(take);
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            summary.echoed += 1;
            line.clear();
        } else if line.len() == max_line {
            // Full, and no newline: too long, known now.
            line.clear();
            summary.refused += 1;
            conn.send_all(refusal(max_line).as_bytes())?;
            dropping = true;
        }
    }
}
