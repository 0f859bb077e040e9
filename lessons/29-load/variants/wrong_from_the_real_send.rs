// WRONG: measures from when the request really went (coordinated omission): the requests that
// waited behind a stalled answer look fast, and the stall shows up once instead of many times.

pub fn latencies(
    _start: std::time::Instant,
    _interval: std::time::Duration,
    sent: &[std::time::Instant],
    answered: &[std::time::Instant],
) -> Vec<std::time::Duration> {
    answered
        .iter()
        .zip(sent)
        .map(|(done, went)| done.duration_since(*went))
        .collect()
}
