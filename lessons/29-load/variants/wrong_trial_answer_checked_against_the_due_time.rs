// WRONG: checks an answer against the request's DUE time instead of the time it WENT: an
// answer that came after the request was due but before it was sent (out of order, so the
// record makes no sense) is accepted and counted. The contract refuses "an answer before its
// request went". Passes every check: no check has an answer between a request's due time
// and a late send (trial of issue 11).
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
        let ns = step.checked_mul(i as u128)?;
        let secs = u64::try_from(ns / 1_000_000_000).ok()?;
        start.checked_add(Duration::new(secs, (ns % 1_000_000_000) as u32))
    };
    for (i, &went) in sent.iter().enumerate() {
        match due(i) {
            Some(d) if went >= d => {}
            _ => return Err(bad("a request sent before it was due")),
        }
        if let Some(&came) = answered.get(i) {
            if came < due(i).unwrap_or(went) {
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
