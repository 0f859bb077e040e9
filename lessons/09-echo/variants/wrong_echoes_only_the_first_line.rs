// WRONG: the notes' server: one read, one echo, done. As if a client said one thing per
// connection; the second line is never read.

use common::Result;

use crate::Lines;

pub fn echo_lines(conn: &mut impl Lines) -> Result<u64> {
    let mut line = Vec::new();
    if conn.read_line(&mut line)? == 0 {
        return Ok(0);
    }
    conn.write_all(&line)?;
    Ok(1)
}
