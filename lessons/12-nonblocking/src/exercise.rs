//! Lesson 12 exercise: read what is ready, split it into lines, keep the rest.
//!
//! Check your work with:   cargo exercise lesson-12-nonblocking
//! Run your version with:  cargo run -p lesson-12-nonblocking --features exercise

#[allow(unused_imports)] // You will need these.
use std::io::{ErrorKind, Read};

#[allow(unused_imports)]
use common::{show_bytes, Narrator, Result};

/// How a `read_ready` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // Until your read_ready returns both.
pub enum Ended {
    /// The kernel has nothing more for now: wait for the next readiness event.
    WouldBlock,
    /// The client has closed its side: there will be nothing more, ever.
    Eof,
}

// ANCHOR: exercise
/// Take everything the kernel holds for this connection now, without waiting. Every
/// complete line (with its `\n`) goes into `lines`; a line still on its way stays in `pending`.
///
/// TODO: loop on `stream.read(&mut buf)` (the socket is non-blocking, so it never waits):
///   - `Ok(0)`: the client has closed: return `Ok(Ended::Eof)`;
///   - `Ok(n)`: append the bytes to `pending`, then move every complete line out of it
///     (`pending.drain(..=end)` up to each `\n`) into `lines`, and read again;
///   - `Err(e)` with `e.kind() == ErrorKind::WouldBlock`: nothing more for now:
///     return `Ok(Ended::WouldBlock)`;
///   - `ErrorKind::Interrupted`: read again; any other error: `return Err(say.fail(e))`.
/// Narrate each read: `say.next("recv(4096)", "...")` before, `say.done(...)` after.
pub fn read_ready(
    stream: &mut impl Read,
    pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
    say: &Narrator,
) -> Result<Ended> {
    let _ = (stream, pending, lines, say);
    todo!("read until WouldBlock, and split complete lines")
}
// ANCHOR_END: exercise
