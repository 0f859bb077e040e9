// Lesson 29's exercise. Yours to write.
//
// Check it:       cargo exercise lesson-29-load
// Stuck?          cargo hint lesson-29-load      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-29-load -- client --addr 127.0.0.1:PORT --paced 5s

use std::io;
use std::time::{Duration, Instant};

#[allow(unused_imports)]
use crate::{Latency, MOST_DUE};

// ANCHOR: exercise
/// What the report counts for one paced connection: one `Latency` per request that was due
/// before the run ended, whatever became of it.
///
/// The record: request `i` (from 0) is due at `start + i × interval`, and the connection
/// sends nothing before it is due. `sent[i]` is when request `i` really went (later than
/// due when the connection was still waiting for an earlier answer); `answered[i]` is when
/// its answer came. The record stops where the connection stopped: at the end of the run,
/// or when the server stopped answering (no answer before the timeout) or the connection
/// failed. `end` is the end of the run.
///
/// The contract (what the checks test):
/// - One entry per request due before `end`, in order: entry `i` is request `i` (a run has
///   at most `MOST_DUE` of them: below). A request due at `end` exactly, or later, is not
///   part of the run: nothing for it, answered or not.
/// - An answered request: `Latency::Answered`, the time its user waited, from the moment it
///   was due (a server that stalls for a second delays every request due in that second,
///   not only the one it was answering). An answer that came after `end` is an answer too:
///   its whole wait, not a bound.
/// - A request due before `end` and never answered, whether it went or was never sent
///   (the connection was stuck behind an earlier request, or had failed):
///   `Latency::AtLeast`, the time from when it was due until `end`. These are the slowest
///   requests of the run; a report that leaves them out hides the stall that caused them.
/// - A record that makes no sense is refused with `io::ErrorKind::InvalidInput`, never a
///   panic or a wrong answer: an `interval` of zero (however short the run); more answers
///   than requests sent; an answer before its request went (`sent[i]`, not its due time); a
///   request sent before it was due.
///   The whole record is checked, the requests that are not part of the run too.
/// - At most `MOST_DUE` (a million) requests due before `end`: a run with more is refused
///   with `io::ErrorKind::InvalidInput`, without making its entries first (an `interval` of
///   1 ns over an hour would be 3.6 × 10^12 of them, more than any memory holds).
/// - No overflow, and no panic, whatever the durations: an `interval` of `Duration::MAX`
///   means that only request 0 is ever due; a run may last a thousand years (`end` far
///   after `start`) with requests a few centuries apart; every due time is exact to the
///   nanosecond, however long the interval.
/// - An empty run (`end` at `start` or before it) counts nothing.
/// - Print nothing: the lesson reports what you return.
pub fn latencies(
    start: Instant,
    interval: Duration,
    end: Instant,
    sent: &[Instant],
    answered: &[Instant],
) -> io::Result<Vec<Latency>> {
    let _ = (start, interval, end, sent, answered);
    todo!("one Latency per request due before the end")
}
// ANCHOR_END: exercise
