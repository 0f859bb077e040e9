// WRONG: a flag says "the refusal has been sent", and nothing clears it when the refused line
// ends: the first line too long is refused, every later one is dropped in silence (and not
// counted). Each line too long gets its own refusal.

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line: Vec<u8> = Vec::new();
    let mut dropping = false;
    let mut refusal_sent = false;
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
        let take = take.min(max_line - line.len());
        line.extend_from_slice(&arrived[..take]);
        conn.consume(take);
        if line.ends_with(b"\n") {
            conn.send_all(&line)?;
            summary.echoed += 1;
            line.clear();
        } else if line.len() == max_line {
            line.clear();
            dropping = true;
            if !refusal_sent {
                refusal_sent = true;
                summary.refused += 1;
                conn.send_all(refusal(max_line).as_bytes())?;
            }
        }
    }
}
