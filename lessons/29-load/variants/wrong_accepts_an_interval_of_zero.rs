// WRONG: no check on the interval: with an interval of zero every request is due at the
// start, and the walk over the timetable never ends when the run has any length.

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
    if answered.len() > sent.len() {
        return Err(refused("more answers than requests sent"));
    }
    for (i, &went) in sent.iter().enumerate() {
        match due(start, interval, i) {
            Some(due) if went >= due => {}
            _ => return Err(refused("a request sent before it was due")),
        }
        if answered.get(i).is_some_and(|&came| came < went) {
            return Err(refused("an answer before its request went"));
        }
    }
    // Walk the timetable up to the end. A due time past what an Instant can hold is past
    // the end too.
    let mut counted = Vec::new();
    for i in 0.. {
        let Some(due) = due(start, interval, i).filter(|&due| due < end) else {
            break;
        };
        if i == crate::MOST_DUE {
            let why = "too many requests due";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        counted.push(match answered.get(i) {
            Some(&came) => Latency::Answered(came - due),
            // Stuck behind an earlier request, or the connection had failed: its user was
            // still waiting when the run ended.
            None => Latency::AtLeast(end - due),
        });
    }
    Ok(counted)
}

// When request `i` is due; `None` if that cannot be written down (an overflow).
fn due(start: Instant, interval: Duration, i: usize) -> Option<Instant> {
    let i = u32::try_from(i).ok()?;
    start.checked_add(interval.checked_mul(i)?)
}

fn refused(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why)
}
