// WRONG: echoes first and looks at the byte count after: end of stream is taken for one more
// (empty) line, written and counted.

use common::Result;

use crate::Lines;

pub fn echo_lines(conn: &mut impl Lines) -> Result<u64> {
    let mut echoed = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = conn.read_line(&mut line)?;
        conn.write_all(&line)?;
        echoed += 1;
        if n == 0 {
            return Ok(echoed);
        }
    }
}
