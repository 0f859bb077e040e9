// CORRECT, written differently: a new buffer for each line (so nothing to clear), a `while`
// on the byte count, and `Ok(count)` after the loop.

use common::Result;

use crate::Lines;

pub fn echo_lines(conn: &mut impl Lines) -> Result<u64> {
    let mut count: u64 = 0;
    let mut line = Vec::with_capacity(128);
    while conn.read_line(&mut line)? > 0 {
        conn.write_all(&line)?;
        count += 1;
        line = Vec::with_capacity(128);
    }
    Ok(count)
}
