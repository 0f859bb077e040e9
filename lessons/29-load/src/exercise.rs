// Lesson 29's exercise. Yours to write.
//
// Check it:       cargo exercise lesson-29-load
// Stuck?          cargo hint lesson-29-load      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-29-load -- client --addr 127.0.0.1:PORT --paced 5s

use std::time::{Duration, Instant};

// ANCHOR: exercise
/// The latency of each request of one paced connection, as a user of the server saw it.
///
/// The contract (what the checks test):
/// - Request `i` (from 0) was meant to go at `crate::intended(start, interval, i)`.
///   `sent[i]` is when it really went: later than meant when the connection was still waiting
///   for the answer to an earlier request. `answered[i]` is when its answer arrived.
/// - Its latency runs from the moment it was MEANT to go until its answer: a server that
///   stalls for a second delays every request that should have gone during that second, not
///   only the one it was answering.
/// - One latency per answered request, in order; `answered` may be shorter than `sent` (the
///   run ended, or the connection failed, before the last answers): no latency for those.
pub fn latencies(
    start: Instant,
    interval: Duration,
    sent: &[Instant],
    answered: &[Instant],
) -> Vec<Duration> {
    let _ = (start, interval, sent, answered);
    todo!("one latency per answered request")
}
// ANCHOR_END: exercise
