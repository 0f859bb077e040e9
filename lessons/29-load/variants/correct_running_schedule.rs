// A correct variant written differently: a running schedule, one interval added per request.

pub fn latencies(
    start: std::time::Instant,
    interval: std::time::Duration,
    _sent: &[std::time::Instant],
    answered: &[std::time::Instant],
) -> Vec<std::time::Duration> {
    let mut meant = start;
    let mut out = Vec::with_capacity(answered.len());
    for done in answered {
        out.push(*done - meant);
        meant += interval;
    }
    out
}
