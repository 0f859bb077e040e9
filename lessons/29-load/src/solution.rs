// Lesson 29's exercise: our solution.

use std::io;
use std::time::{Duration, Instant};

use crate::{Latency, MOST_DUE};

// ANCHOR: solution
/// One `Latency` per request due before `end` (the contract is in src/exercise.rs).
pub fn latencies(
    start: Instant,
    interval: Duration,
    end: Instant,
    sent: &[Instant],
    answered: &[Instant],
) -> io::Result<Vec<Latency>> {
    // With no interval, every request is due at `start`: there would be no end to them.
    if interval.is_zero() {
        return Err(refused("an interval of zero"));
    }
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
        if counted.len() == MOST_DUE {
            return Err(refused("more requests due than a report counts"));
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

/// When request `i` is due; `None` if that cannot be written down (an overflow).
fn due(start: Instant, interval: Duration, i: usize) -> Option<Instant> {
    let i = u32::try_from(i).ok()?;
    start.checked_add(interval.checked_mul(i)?)
}

fn refused(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why)
}
// ANCHOR_END: solution
