// WRONG: treats the line as text: decodes it (lossy, so non-UTF-8 bytes become U+FFFD),
// trims it and adds a newline back. Spaces, \r and any byte that is not UTF-8 are changed.

use common::Result;

use crate::Lines;

pub fn echo_lines(conn: &mut impl Lines) -> Result<u64> {
    let mut echoed = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if conn.read_line(&mut line)? == 0 {
            return Ok(echoed);
        }
        let text = String::from_utf8_lossy(&line);
        conn.write_all(format!("{}\n", text.trim()).as_bytes())?;
        echoed += 1;
    }
}
