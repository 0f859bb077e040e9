//! Lesson 27's challenge: a chat with rooms, built from the spec in book/27-rooms.md. What the
//! learner's `serve` is given: the accepted connections, one after another, and the
//! [`Limits`]. It prints nothing: the lesson accepts and narrates around it, and
//! tests/exercise.rs talks to it over the wire.

use std::time::Duration;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-27-rooms` checks
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
pub use exercise::serve;

// ANCHOR: limits
/// The server's limits (spec, "Limits"). The lesson uses [`Limits::DEFAULT`]; the battery
/// uses other values, so use these fields, never the numbers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest line a client may send, its `\n` included.
    pub max_line: usize,
    /// How long a line may take, from its first byte to its `\n`.
    pub line_wait: Duration,
    /// How many lines may wait for one member, not yet written to its socket.
    pub queue: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_line: 512,
        line_wait: Duration::from_secs(10),
        queue: 64,
    };
}
// ANCHOR_END: limits
