// WRONG: makes the `take(max_line)` reader once, before the loop, and reads every line through
// it: the limit then counts all the bytes of the connection, not each line's. Once max_line
// bytes have come in all, the reader says end of stream and the client's next lines are
// taken for a refusal or an end.

use std::io::{self, BufRead, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut line = Vec::with_capacity(max_line);
    let mut limited = conn.by_ref().take(max_line as u64);
    loop {
        line.clear();
        limited.read_until(b'\n', &mut line)?;
        if line.ends_with(b"\n") {
            limited.get_mut().send_all(&line)?;
            done.echoed += 1;
        } else if line.len() == max_line {
            limited.get_mut().send_all(refusal(max_line).as_bytes())?;
            done.refused += 1;
            limited.get_mut().skip_until(b'\n')?;
        } else if line.is_empty() {
            return Ok(done);
        } else {
            return Err(io::Error::new(ErrorKind::UnexpectedEof, "cut short"));
        }
    }
}
