// Reference solution for lesson 09's exercise. (Yours goes in exercise.rs.)

use common::Result;

use crate::Lines;

// ANCHOR: solution
/// Echo every line back until the client ends its stream; return how many lines were echoed.
pub fn echo_lines(conn: &mut impl Lines) -> Result<u64> {
    let mut echoed = 0;
    let mut line = Vec::new();
    loop {
        // read_line appends to the buffer: empty it, or the last line would be sent again.
        line.clear();
        let n = conn.read_line(&mut line)?;
        if n == 0 {
            // End of stream: the client has said everything it will say.
            return Ok(echoed);
        }
        // The line as it came, newline included, bytes not text.
        conn.write_all(&line)?;
        echoed += 1;
    }
}
// ANCHOR_END: solution
