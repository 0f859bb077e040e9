//! Lesson 12 exercise: read what is ready, split it into lines, keep the rest.
//!
//! Check your work with:   cargo exercise lesson-12-nonblocking
//! Run your version with:  cargo run -p lesson-12-nonblocking --features exercise

#[allow(unused_imports)] // You will need these.
use std::io::{ErrorKind, Read};

#[allow(unused_imports)]
use common::{show_bytes, Narrator, Result};

#[allow(unused_imports)] // And these: the line limit (1024), and the reads per turn (16).
use super::{MAX_LINE, READS_PER_TURN};

/// How a `read_ready` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // Until your read_ready returns them all.
pub enum Ended {
    /// The kernel has nothing more for now: wait for the next readiness event.
    WouldBlock,
    /// READS_PER_TURN reads, and still no WouldBlock: more may be waiting. The loop must come
    /// back to this connection by itself: no new event will remind it.
    MoreLeft,
    /// A line longer than MAX_LINE: the client breaks the rules.
    TooLong,
    /// The client has closed its side: there will be nothing more, ever.
    Eof,
}

// ANCHOR: exercise
/// Take what the kernel holds for this connection now, without waiting, in at most
/// READS_PER_TURN reads. Every complete line (with its `\n`) goes into `lines`; a line still on
/// its way stays in `pending`, which never holds more than MAX_LINE bytes.
///
/// TODO: up to READS_PER_TURN times, `stream.read(&mut buf)` (the socket is non-blocking, so
/// it never waits):
///   - `Ok(0)`: the client has closed: return `Ok(Ended::Eof)`;
///   - `Ok(n)`: for each `\n` in the n new bytes, move `pending` + the bytes up to it into
///     `lines`; keep what follows the last `\n` in `pending`. A line (newline included) longer
///     than MAX_LINE, finished or not: return `Ok(Ended::TooLong)` at once;
///   - `Err(e)` with `e.kind() == ErrorKind::WouldBlock`: nothing more for now:
///     return `Ok(Ended::WouldBlock)`;
///   - `ErrorKind::Interrupted`: read again; any other error: `return Err(say.fail(e))`.
///
/// After READS_PER_TURN reads, return `Ok(Ended::MoreLeft)`.
/// Narrate each read: `say.next("recv(4096)", "...")` before, `say.done(...)` after.
pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
    say: &Narrator,
) -> Result<Ended> {
    let _ = (stream, pending, lines, say);
    todo!("read until WouldBlock (at most READS_PER_TURN times), split complete lines, check the limit")
}
// ANCHOR_END: exercise
