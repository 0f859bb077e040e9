//! Lesson 03's exercise, and what it is given: `fill_queue` measures how many connections a
//! listening socket's accept queue holds when nobody accepts. It connects again and again, and
//! returns a [`Filled`]: the connections that got in, kept open, and what happened to the
//! next one ([`Next`]). It prints nothing: the lesson narrates around it, and the checks ask
//! the kernel (they accept() what is queued) whether the count is right.

use std::net::TcpStream;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-03-listen` checks
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
pub use exercise::fill_queue;

// ANCHOR: filled
/// What `fill_queue` found: the connections that got in, and what happened to the next one.
#[derive(Debug)]
pub struct Filled {
    /// Every connection that completed, oldest first, still open: each one waits in the
    /// listening socket's accept queue, since nobody accepts. `waiting.len()` is the count.
    pub waiting: Vec<TcpStream>,
    /// What happened to the connection after the last one in `waiting`.
    pub next: Next,
}

/// What happened to the connection after the last one that got in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// It got no answer in time: the queue is full, and the server's kernel ignored the SYN
    /// (Linux, macOS and the BSDs do that).
    NoAnswer,
    /// It was refused: the queue is full, and the server's kernel said so with a reset
    /// (Windows does that).
    Refused,
    /// It was never tried: `ceiling` connections got in, and the probe stopped there.
    NotTried,
}
// ANCHOR_END: filled
