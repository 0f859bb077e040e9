// Lesson 12's exercise: read what is ready, split it into lines, keep the rest. Yours to write.
//
// Check it:       cargo exercise lesson-12-nonblocking
// Stuck?          cargo hint lesson-12-nonblocking      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-12-nonblocking

#[allow(unused_imports)]
use std::io::{self, ErrorKind, Read};

#[allow(unused_imports)]
use crate::{Ended, MAX_LINE, READS_PER_TURN};

// ANCHOR: exercise
/// Take what the kernel holds for this connection now, without waiting: `stream` is
/// non-blocking, so a read with nothing to give fails with `ErrorKind::WouldBlock`.
///
/// The contract (what the checks test):
/// - Every complete line, with its `\n`, goes into `lines`, in order, its bytes exactly as
///   read (the protocol is bytes, not UTF-8 text). One read may bring half a line, one line or
///   several; a line may take many reads, and many calls: `pending` holds the start of a line
///   still on its way, between calls (it never holds a `\n`).
/// - Keep reading until a read says WouldBlock (return `Ended::WouldBlock`): readiness is
///   reported once (edge-triggered), so bytes left unread now get no event of their own.
/// - But make at most READS_PER_TURN reads: after that many, return `Ended::MoreLeft` (the
///   last read's bytes taken into `lines` and `pending` like every other read's).
/// - A line longer than MAX_LINE bytes (its `\n` included, and what was pending from earlier
///   reads and calls included), finished or not: return `Ended::TooLong` from the read that
///   brings its byte MAX_LINE + 1, with no further read; the complete lines before it are in
///   `lines`. `pending` never holds more than MAX_LINE bytes (it may hold exactly MAX_LINE),
///   not even when the line is refused.
/// - A read of 0 bytes (end of stream): return `Ended::Eof` (the complete lines before it are
///   in `lines`; a line the client left unfinished stays in `pending`: without its `\n` it is
///   not a line).
/// - `ErrorKind::Interrupted`: read again (that read counts toward READS_PER_TURN too: every
///   call of `read` does). Any other error: return it.
/// - Print nothing: the lesson narrates each read around your function.
pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
) -> io::Result<Ended> {
    let _ = (stream, pending, lines);
    todo!("read what is ready, split the lines, keep the rest")
}
// ANCHOR_END: exercise
