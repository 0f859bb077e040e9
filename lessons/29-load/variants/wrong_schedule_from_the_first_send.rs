// WRONG: starts the timetable at the first request's real send (sent[0]) instead of `start`:
// a connection whose first request went late hides that delay from every latency, and one
// that sent nothing at all panics on sent[0].

use std::time::{Duration, Instant};

pub fn latencies(
    start: Instant,
    interval: Duration,
    sent: &[Instant],
    answered: &[Instant],
) -> Vec<Duration> {
    let _ = start;
    let first = sent[0];
    answered
        .iter()
        .enumerate()
        .map(|(i, &at)| at.saturating_duration_since(crate::intended(first, interval, i)))
        .collect()
}
