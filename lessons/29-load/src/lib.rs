//! Lesson 29's exercise, and what it is given. The function prints nothing: the load
//! generator (src/load.rs, `paced`) calls it on each paced connection's record, and
//! tests/exercise.rs checks what it returns.

use std::time::Duration;

// ANCHOR: given
/// What one request of a paced connection counts for in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// It was answered, and its user waited this long.
    Answered(Duration),
    /// It was due before the run ended and no answer had come: its user waited at least this
    /// long, and maybe for ever. The report shows such a latency as `≥`.
    AtLeast(Duration),
}

/// The most requests a paced connection's run may have due: a million. One entry each would
/// not fit in memory for some timetables (an interval of 1 ns over an hour is 3.6 × 10^12
/// requests), so `latencies` refuses a run with more, and the generator refuses a plan that
/// would make one (`--rate` × (`--warmup` + `--paced`) over a million).
pub const MOST_DUE: usize = 1_000_000;
// ANCHOR_END: given

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
