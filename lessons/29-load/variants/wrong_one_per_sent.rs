// WRONG: one latency per request SENT: a request that was never answered gets the last
// answer's time, an answer it never had.

pub fn latencies(
    start: std::time::Instant,
    interval: std::time::Duration,
    sent: &[std::time::Instant],
    answered: &[std::time::Instant],
) -> Vec<std::time::Duration> {
    let Some(last) = answered.last() else {
        return Vec::new();
    };
    (0..sent.len())
        .map(|i| {
            let done = answered.get(i).unwrap_or(last);
            done.saturating_duration_since(crate::intended(start, interval, i))
        })
        .collect()
}
