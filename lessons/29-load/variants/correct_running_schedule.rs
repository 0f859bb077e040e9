// A correct variant written differently: one pass over the timetable, a running due time
// (one interval added per request, checked), the record checked as it goes.

use std::io::{Error, ErrorKind, Result};
use std::time::{Duration, Instant};

use crate::{Latency, MOST_DUE};

pub fn latencies(
    start: Instant,
    interval: Duration,
    end: Instant,
    sent: &[Instant],
    answered: &[Instant],
) -> Result<Vec<Latency>> {
    let bad = |why: &str| Err(Error::new(ErrorKind::InvalidInput, why.to_string()));
    if interval == Duration::ZERO || answered.len() > sent.len() {
        return bad("no interval, or more answers than requests");
    }
    let mut out = Vec::new();
    let mut due = Some(start);
    let mut i = 0;
    // Past the end of the run, only the record's remaining requests are left to check.
    while i < sent.len() || due.is_some_and(|d| d < end) {
        let Some(d) = due else {
            return bad("a request sent that is never due");
        };
        if let Some(&went) = sent.get(i) {
            if went < d {
                return bad("sent early");
            }
            if answered.get(i).is_some_and(|&came| came < went) {
                return bad("answered before it went");
            }
        }
        if d < end {
            if out.len() == MOST_DUE {
                return bad("over a million requests due");
            }
            out.push(match answered.get(i) {
                Some(&came) => Latency::Answered(came.duration_since(d)),
                None => Latency::AtLeast(end.duration_since(d)),
            });
        }
        due = d.checked_add(interval);
        i += 1;
    }
    Ok(out)
}
