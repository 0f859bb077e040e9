//! Lesson 13's exercise, and what it is given: a [`LineWaiter`] keeps a connection's waiting
//! state from one call to the next, and its `next_event` waits for whichever comes first (a
//! line, the idle limit, the shutdown signal) and says which as an [`Event`]. It may be
//! cancelled at any await and called again, and loses nothing. It prints nothing: the lesson
//! narrates around it, and the tests check what it returns, and when.

use std::io;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-13-async` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::LineWaiter;

// ANCHOR: event
/// What happened next on a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A whole line arrived (with its `\n`).
    Line(Vec<u8>),
    /// The client closed its end (end of stream) between two lines.
    Closed,
    /// No whole line within `idle` (a silent client, or one that sends too slowly).
    TimedOut,
    /// The server is shutting down.
    Shutdown,
}
// ANCHOR_END: event

// ANCHOR: read_line
/// The longest line the server takes, newline included.
pub const MAX_LINE: usize = 1024;

/// One line of at most `MAX_LINE` bytes, cancel-safe (the helper crate's `read_line`,
/// explained in chapter 13).
pub async fn read_line(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> io::Result<Option<Vec<u8>>> {
    common::lines::read_line(reader, line, MAX_LINE).await
}
// ANCHOR_END: read_line
