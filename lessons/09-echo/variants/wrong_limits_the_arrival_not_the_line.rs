// WRONG: hand-made, and the limit is checked against what ARRIVED instead of against the
// line: when one arrival holds the end of a short line and the next lines (a fast client, or
// a kernel that merged two sends), the short line is refused. Byte by byte it all works,
// which is why testing with one line per send never shows it.

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line: Vec<u8> = Vec::new();
    let mut dropping = false;
    loop {
        let arrived = match conn.fill_buf() {
            Ok(arrived) => arrived,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
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
        // The room left in this line, compared with the whole arrival: the slip.
        let room = max_line - line.len();
        let too_long = if arrived.len() > room {
            conn.consume(room);
            true
        } else {
            line.extend_from_slice(&arrived[..take]);
            conn.consume(take);
            newline.is_none() && line.len() == max_line
        };
        if too_long {
            line.clear();
            summary.refused += 1;
            conn.send_all(refusal(max_line).as_bytes())?;
            dropping = true;
        } else if newline.is_some() {
            conn.send_all(&line)?;
            summary.echoed += 1;
            line.clear();
        }
    }
}
