// WRONG: reads again not only after Interrupted but after WouldBlock too, as a non-blocking
// loop would. Here WouldBlock is what a recv() whose SO_RCVTIMEO ran out returns (EAGAIN,
// socket(7)): the client was too slow, the deadline has spoken, and the error must end the
// loop, returned as it is.

use std::io::{self, ErrorKind};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut line: Vec<u8> = Vec::new();
    let mut dropping = false;
    loop {
        let arrived = match conn.fill_buf() {
            Ok(arrived) => arrived,
            Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {
                continue
            }
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
            summary.refused += 1;
            conn.send_all(refusal(max_line).as_bytes())?;
            dropping = true;
        }
    }
}
