// A correct variant written differently: count the requests due before the end first (one
// division, in u128 nanoseconds, rounded up), then one entry each; the record is checked
// with iterators; a count over MOST_DUE is refused before any entry is made.

use std::io;
use std::time::{Duration, Instant};

use crate::{Latency, MOST_DUE};

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("not a paced record: {what}"))
}

fn due_at(start: Instant, interval: Duration, i: usize) -> Option<Instant> {
    start.checked_add(interval.checked_mul(u32::try_from(i).ok()?)?)
}

pub fn latencies(
    start: Instant,
    interval: Duration,
    end: Instant,
    sent: &[Instant],
    answered: &[Instant],
) -> io::Result<Vec<Latency>> {
    if interval.is_zero() {
        return Err(invalid("interval 0"));
    }
    if answered.len() > sent.len() {
        return Err(invalid("answers without requests"));
    }
    let early = sent
        .iter()
        .enumerate()
        .any(|(i, &went)| due_at(start, interval, i).is_none_or(|due| went < due));
    let backwards = answered.iter().zip(sent).any(|(came, went)| came < went);
    if early || backwards {
        return Err(invalid("times out of order"));
    }
    // Request i is due before the end when i × interval < end − start: i < span / interval,
    // rounded up.
    let span = end.saturating_duration_since(start).as_nanos();
    let step = interval.as_nanos();
    let due_count = span.div_ceil(step);
    if due_count > MOST_DUE as u128 {
        return Err(invalid("too many requests due"));
    }
    let mut counted = Vec::new();
    for i in 0..due_count as usize {
        // Before the end, so it can be written down.
        let due = due_at(start, interval, i).expect("due before the end");
        counted.push(match answered.get(i) {
            Some(&came) => Latency::Answered(came - due),
            None => Latency::AtLeast(end - due),
        });
    }
    Ok(counted)
}
