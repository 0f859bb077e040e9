// WRONG: the hand-made loop over fill_buf/consume, with `?` on fill_buf: a recv() that a
// stop and continue of the server interrupts (Interrupted, EINTR, signal(7)) drops the client,
// though nothing ended. std's read_until and skip_until read again; a hand-made loop must too.
// (Found as a "correct" variant by the issue 11 trial: the lesson's hostile stop_continue case
// failed with it, "recv(8192) -> error: Interrupted system call".)

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line: Vec<u8> = Vec::new();
    let mut dropping = false;
    loop {
        let arrived = conn.fill_buf()?;
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
