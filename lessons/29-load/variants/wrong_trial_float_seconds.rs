// WRONG: computes due times in f64 seconds (`interval.as_secs_f64() * i`): above about 2^31 s
// an f64 holds steps of ~477 ns, so with an interval of 3_153_600_000.999_999_900 s (a
// century, "whatever the durations") request 1 is computed due 100 ns late, and a record
// where it went exactly when due is refused as "sent before it was due"; with an interval of
// 3_153_600_000.000_000_001 s it is computed due 1 ns early, and latencies come out long.
// Passes every check (trial of issue 11).
use std::io;
use std::time::{Duration, Instant};

#[allow(unused_imports)]
use crate::Latency;

pub fn latencies(
    start: Instant,
    interval: Duration,
    end: Instant,
    sent: &[Instant],
    answered: &[Instant],
) -> io::Result<Vec<Latency>> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, why.to_string());
    if interval.is_zero() {
        return Err(bad("an interval of zero"));
    }
    if answered.len() > sent.len() {
        return Err(bad("more answers than requests sent"));
    }
    let step = interval.as_nanos();
    // When request i is due, or None when that is beyond what an Instant can hold.
    let due = |i: usize| -> Option<Instant> {
        let _ = step;
        start.checked_add(Duration::try_from_secs_f64(interval.as_secs_f64() * i as f64).ok()?)
    };
    for (i, &went) in sent.iter().enumerate() {
        match due(i) {
            Some(d) if went >= d => {}
            _ => return Err(bad("a request sent before it was due")),
        }
        if let Some(&came) = answered.get(i) {
            if came < went {
                return Err(bad("an answer before its request went"));
            }
        }
    }
    let span = match end.checked_duration_since(start) {
        Some(span) if !span.is_zero() => span.as_nanos(),
        _ => return Ok(Vec::new()),
    };
    let count = span.div_ceil(step);
    let count = usize::try_from(count).map_err(|_| bad("too many requests"))?;
    if count > crate::MOST_DUE {
        return Err(bad("too many requests due"));
    }
    let mut out = Vec::new();
    for i in 0..count {
        let d = due(i).ok_or_else(|| bad("due time out of range"))?;
        out.push(match answered.get(i) {
            Some(&came) => Latency::Answered(came - d),
            None => Latency::AtLeast(end - d),
        });
    }
    Ok(out)
}
