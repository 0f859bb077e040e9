// WRONG: checks the record only while walking the run's requests: a request sent before it
// was due, but due at or after the end (or never, with a huge interval), is not looked at,
// and a record that makes no sense is counted.

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
    let bad = || io::Error::from(io::ErrorKind::InvalidInput);
    if interval.is_zero() || answered.len() > sent.len() {
        return Err(bad());
    }
    let mut out = Vec::new();
    let mut i: u32 = 0;
    loop {
        let Some(due) = interval.checked_mul(i).and_then(|d| start.checked_add(d)) else {
            break;
        };
        if due >= end {
            break;
        }
        if i as usize == crate::MOST_DUE {
            return Err(bad());
        }
        if let Some(&went) = sent.get(i as usize) {
            if went < due {
                return Err(bad());
            }
        }
        match answered.get(i as usize) {
            Some(&came) => {
                if came < sent[i as usize] {
                    return Err(bad());
                }
                out.push(Latency::Answered(came - due));
            }
            None => out.push(Latency::AtLeast(end - due)),
        }
        i += 1;
    }
    Ok(out)
}
