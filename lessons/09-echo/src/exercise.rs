//! Lesson 09 exercise: the echo loop of one connection.
//!
//! Check your work with:   cargo exercise lesson-09-echo
//! Run your version with:  cargo run -p lesson-09-echo --features exercise

use common::Result;

use crate::Connection;

// ANCHOR: exercise
/// Echo every line back until the client ends its stream; return how many lines were echoed.
///
/// TODO: in a loop,
///   - read the next line with `conn.read_line(&mut line)?` (it returns the number of bytes,
///     0 at end of stream, and APPENDS to `line`),
///   - stop at end of stream, returning the count,
///   - otherwise send the line back with `conn.write_all(&line)?`.
pub fn echo_lines(conn: &mut Connection) -> Result<u64> {
    let _ = conn;
    todo!("read a line, write it back, stop at end of stream")
}
// ANCHOR_END: exercise
