// Lesson 09's exercise: the echo loop of one connection. Yours to write.
//
// Check it:       cargo exercise lesson-09-echo
// Stuck?          cargo hint lesson-09-echo      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-09-echo

use common::Result;

#[allow(unused_imports)]
use crate::Lines;

// ANCHOR: exercise
/// Echo every line back until the client ends its stream; return how many lines were echoed.
///
/// The contract (what the checks test):
/// - Each line `conn.read_line` gives is sent back with `conn.write_all`, byte for byte,
///   newline included, and only that line: nothing of the lines before it. Any bytes, UTF-8
///   or not.
/// - A client may send many lines: echo them all, in order, one echo per line.
/// - End of stream (`read_line` returns 0) is not a line: send nothing more and return how
///   many lines were echoed (0 for a client that sent none).
/// - An error from `read_line` or `write_all` ends the loop at once: return it, and make no
///   more calls on the connection.
/// - Print nothing: the lesson narrates each call around your function.
pub fn echo_lines(conn: &mut impl Lines) -> Result<u64> {
    let _ = conn;
    todo!("echo each line back until end of stream")
}
// ANCHOR_END: exercise
