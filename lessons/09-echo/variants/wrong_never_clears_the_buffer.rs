// WRONG: never empties its buffer, and `read_line` appends, so every echo repeats all the
// lines before it: "hello\n", then "hello\nworld\n".

use common::Result;

use crate::Lines;

pub fn echo_lines(conn: &mut impl Lines) -> Result<u64> {
    let mut echoed = 0;
    let mut line = Vec::new();
    loop {
        let n = conn.read_line(&mut line)?;
        if n == 0 {
            return Ok(echoed);
        }
        conn.write_all(&line)?;
        echoed += 1;
    }
}
