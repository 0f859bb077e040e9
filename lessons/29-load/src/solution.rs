// Lesson 29's exercise: our solution.

use std::time::{Duration, Instant};

// ANCHOR: solution
/// The latency of each answered request, from when it was meant to go (see src/exercise.rs).
pub fn latencies(
    start: Instant,
    interval: Duration,
    sent: &[Instant],
    answered: &[Instant],
) -> Vec<Duration> {
    // `sent` is not needed: measuring from it would hide the wait behind a slow answer.
    let _ = sent;
    answered
        .iter()
        .enumerate()
        .map(|(i, &done)| done.duration_since(crate::intended(start, interval, i)))
        .collect()
}
// ANCHOR_END: solution
