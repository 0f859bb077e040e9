// Lesson 09's exercise: the echo loop of one connection, in bounded memory. Yours to write.
//
// Check it:       cargo exercise lesson-09-echo
// Stuck?          cargo hint lesson-09-echo      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-09-echo

use std::io;

#[allow(unused_imports)]
use crate::{refusal, Client, Summary};

// ANCHOR: exercise
/// Echo every line the client sends back to it, until its end of stream, holding at most
/// about `max_line` bytes of it in memory whatever it sends.
///
/// The contract (what the checks test):
/// - A line is the bytes up to and including a newline (`b'\n'`); any bytes, UTF-8 or not.
///   A line of at most `max_line` bytes, newline included, is sent back with
///   `conn.send_all`: one call, the line exactly as it came, and nothing else, as soon as
///   its newline has come: before the loop waits for any more bytes (a client may wait for
///   the echo of each line before it sends the next).
/// - A longer line is refused: the client gets `refusal(max_line)` instead (one
///   `send_all`), and none of that line is echoed. The refusal goes out as soon as the line
///   is known to be too long (`max_line` bytes of it have come and no newline), not when
///   its end comes. The rest of it, up to and including its newline, is read and dropped,
///   then echoing goes on with the next line. No part of a refused line is ever taken for a
///   line of its own.
/// - Memory: however long a line is (the checks send 64 MiB with no newline), and however
///   many lines come (the checks send 20,000), the call never holds more than about
///   `max_line` bytes at a time. The check allows 2 × `max_line` + 16 KiB allocated at
///   once, over what `conn` itself holds.
/// - Where the bytes are cut into arrivals changes nothing: a line may come in pieces, and
///   one arrival may hold the end of one line and the start (or all) of the next.
/// - End of stream (`fill_buf` gives an empty slice) right after a newline, or before any
///   byte: return how many lines were echoed and refused. In the middle of a line that was
///   not refused: the client left before ending it, so it is not echoed, and the call
///   returns an error of kind `io::ErrorKind::UnexpectedEof`. In the middle of a refused
///   line (even right after its first `max_line` bytes): that line has had its answer;
///   return the summary.
/// - An error from `conn` (reading or `send_all`) ends the loop at once, wherever it comes
///   (between two lines too), whatever its kind (`TimedOut`; `WouldBlock`, what a recv()
///   whose `SO_RCVTIMEO` ran out returns; `ConnectionReset`, ...): return it as it is, and
///   make no more calls on `conn`. One kind is no error: a read that fails with
///   `io::ErrorKind::Interrupted` (EINTR: a stop and continue of the server does it) ended
///   nothing, and is made again.
/// - `max_line` is at least 1. Print nothing: the lesson narrates each recv and send.
pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let _ = (conn, max_line);
    todo!("echo each line back, refuse the too-long ones, until end of stream")
}
// ANCHOR_END: exercise
