// WRONG: keeps the echo of a whole line until the next arrival (or the end of stream) has
// come, then sends it: every echo goes out, in order, and even before an error. But a client
// that waits for the echo of its line before it sends the next one (ours does, so do nc and
// Python's readline) waits for an answer that waits for it: neither moves until the deadline
// drops the client. An echo goes out as soon as its line is whole.

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line: Vec<u8> = Vec::new();
    let mut ready: Vec<u8> = Vec::new();
    let mut dropping = false;
    loop {
        let arrived = match conn.fill_buf() {
            Ok(arrived) => arrived.to_vec(),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !ready.is_empty() {
            conn.send_all(&ready)?;
            ready.clear();
        }
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
        let take = take.min(max_line - line.len());
        line.extend_from_slice(&arrived[..take]);
        conn.consume(take);
        if line.ends_with(b"\n") {
            std::mem::swap(&mut ready, &mut line);
            summary.echoed += 1;
        } else if line.len() == max_line {
            line.clear();
            summary.refused += 1;
            conn.send_all(refusal(max_line).as_bytes())?;
            dropping = true;
        }
    }
}
