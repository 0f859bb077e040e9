//! Lesson 09's exercise, and what it is given: the echo loop works on a [`Lines`] connection
//! (the lesson's one narrates each step and keeps the limits; the tests' one records every
//! call). It prints nothing: the lesson narrates around it, and the tests check what it does.

use common::Result;

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

// ANCHOR: lines
/// What the echo loop needs from one client's connection.
pub trait Lines {
    /// Read one line, newline included, and APPEND it to `line`. Returns the number of bytes
    /// read; 0 means end of stream (the client shut down its sending direction). A line too
    /// long, too slow, or cut short by the client leaving is an error.
    fn read_line(&mut self, line: &mut Vec<u8>) -> Result<usize>;

    /// Send all of `bytes` to the client, within the deadline.
    fn write_all(&mut self, bytes: &[u8]) -> Result<()>;
}
// ANCHOR_END: lines
