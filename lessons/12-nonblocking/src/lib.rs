//! Lesson 12's exercise, and what it is given: `read_ready` takes what a non-blocking socket
//! holds now, through any `Read` (the lesson's narrates each recv; the tests' one hands over
//! scripted bytes and counts the reads), and says how it [`Ended`]. It prints nothing: the
//! lesson narrates around it, and the tests check what it does.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-12-nonblocking`
// checks it), src/solution.rs is ours. Maintainers build a variant in its place
// (CONTRIBUTING.md).
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
pub use exercise::read_ready;

// ANCHOR: given
/// The longest line the server accepts, its newline included.
pub const MAX_LINE: usize = 1024;
/// At most this many reads (of 4 KiB) from one connection per turn of the loop: a client that
/// sends without pause gets its share, and then the others get theirs.
pub const READS_PER_TURN: usize = 16;

/// How a `read_ready` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
// ANCHOR_END: given
