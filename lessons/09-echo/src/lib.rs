//! Lesson 09's exercise, and what it is given: the echo loop works on a [`Client`] connection
//! (the lesson's one narrates each recv and send and keeps the deadlines; the tests' one cuts
//! the bytes where a check wants them cut, and records every call). It prints nothing: the
//! lesson narrates around it, and the tests check what it does.

use std::io::{self, BufRead};

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-09-echo` checks
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
pub use exercise::echo_lines;

// ANCHOR: client
/// What the echo loop needs from one client's connection.
///
/// The bytes the client sends are read through std's [`BufRead`]: `fill_buf` hands out what
/// has arrived and not been consumed yet (receiving more only when nothing is left; an empty
/// slice is end of stream), `consume(n)` marks `n` of those bytes as used, and everything
/// std's `BufRead` and `Read` build on the two works too. How the bytes are cut into arrivals
/// is the connection's business, not the loop's: the lesson's receives up to 8 KiB at a
/// time, the checks' cuts them wherever a check wants.
pub trait Client: BufRead {
    /// Send all of `bytes` to the client.
    fn send_all(&mut self, bytes: &[u8]) -> io::Result<()>;
}
// ANCHOR_END: client

/// What one connection came to: lines echoed, lines refused for being too long.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub echoed: u64,
    pub refused: u64,
}

/// The line a client gets instead of the echo of a line longer than `max_line` bytes:
/// `error: line longer than 8192 bytes\n` for the lesson's default.
pub fn refusal(max_line: usize) -> String {
    format!("error: line longer than {max_line} bytes\n")
}
