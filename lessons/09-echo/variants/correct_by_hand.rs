// CORRECT, written differently: no take, no read_until, no skip_until. A hand-made loop over
// fill_buf/consume that looks for the newline in each arrival, keeps the bytes of the line
// so far (never more than max_line), and a flag for "in a refused line, dropping bytes".
// fill_buf's Interrupted is retried here, as std's read_until and skip_until do.

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line: Vec<u8> = Vec::new();
    let mut dropping = false;
    loop {
        let arrived = match conn.fill_buf() {
            Ok(arrived) => arrived,
            // A signal interrupted the recv() (a stop and continue): nothing ended, read again.
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
