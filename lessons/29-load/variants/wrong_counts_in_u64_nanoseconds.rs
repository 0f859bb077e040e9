// WRONG: counts the requests due in u64 nanoseconds (`as u64`): a u64 holds 584 years of
// nanoseconds, and a longer run wraps round to a wrong count, without a word.

use std::io;
use std::time::{Duration, Instant};

use crate::Latency;

pub fn latencies(
    start: Instant,
    interval: Duration,
    end: Instant,
    sent: &[Instant],
    answered: &[Instant],
) -> io::Result<Vec<Latency>> {
    let refused = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, why.to_string());
    if interval.is_zero() {
        return Err(refused("interval 0"));
    }
    let span = end.saturating_duration_since(start).as_nanos() as u64;
    let how_many = span.div_ceil(interval.as_nanos() as u64) as usize;
    if how_many > crate::MOST_DUE {
        return Err(refused("too many requests due"));
    }
    if answered.len() > sent.len() {
        return Err(refused("more answers than requests"));
    }
    let due = |i: usize| {
        u32::try_from(i)
            .ok()
            .and_then(|i| interval.checked_mul(i))
            .and_then(|gap| start.checked_add(gap))
    };
    for (i, &went) in sent.iter().enumerate() {
        if due(i).is_none_or(|d| went < d) || answered.get(i).is_some_and(|&c| c < went) {
            return Err(refused("times out of order"));
        }
    }
    Ok((0..how_many)
        .map(|i| {
            let d = due(i).unwrap();
            match answered.get(i) {
                Some(&came) => Latency::Answered(came - d),
                None => Latency::AtLeast(end - d),
            }
        })
        .collect())
}
