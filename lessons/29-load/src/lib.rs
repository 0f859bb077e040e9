//! Lesson 29's exercise, and what it is given. The function prints nothing: the load
//! generator (src/main.rs) calls it on each paced connection's times, and tests/exercise.rs
//! checks what it returns.

use std::time::{Duration, Instant};

/// When request `i` (numbered from 0) of a paced connection is MEANT to go: its schedule
/// starts at `start` and has one request every `interval`.
pub fn intended(start: Instant, interval: Duration, i: usize) -> Instant {
    start + interval * i as u32
}

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-29-load` checks it),
// src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
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
pub use exercise::latencies;
