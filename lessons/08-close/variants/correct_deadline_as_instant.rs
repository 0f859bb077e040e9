// Correct, written differently: the ending decided by one helper per recv() outcome, the
// deadline checked with checked_duration_since, a smaller buffer, and a budget counted down.

use std::io::{self, ErrorKind};
use std::net::Shutdown;
use std::time::{Duration, Instant};

use crate::{Closing, Ending, Linger};

/// What one recv() outcome means: keep reading (with how many bytes), or this ending.
fn judge(outcome: io::Result<usize>, discarded: usize) -> io::Result<Result<usize, Ending>> {
    match outcome {
        Ok(0) => Ok(Err(Ending::Closed { discarded })),
        Ok(n) => Ok(Ok(n)),
        Err(e) if e.kind() == ErrorKind::Interrupted => Ok(Ok(0)),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            Ok(Err(Ending::TimedOut { discarded }))
        }
        Err(e) if e.kind() == ErrorKind::ConnectionReset => Ok(Err(Ending::Reset { discarded })),
        Err(e) => Err(e),
    }
}

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let until = Instant::now().checked_add(limits.deadline);
    if let Err(e) = conn.shutdown(Shutdown::Write) {
        return match e.kind() {
            ErrorKind::NotConnected => Ok(Ending::Reset { discarded: 0 }),
            _ => Err(e),
        };
    }
    let mut budget = limits.max_discard;
    let mut buf = vec![0u8; 1500];
    let discarded = |budget: usize| limits.max_discard - budget;
    while budget > 0 {
        // No time left (or a deadline too far to count: wait as long as we like).
        let left = match until {
            Some(until) => until.checked_duration_since(Instant::now()),
            None => Some(Duration::MAX),
        };
        let Some(left) = left.filter(|left| !left.is_zero()) else {
            return Ok(Ending::TimedOut {
                discarded: discarded(budget),
            });
        };
        conn.set_read_timeout(left)?;
        let want = budget.min(buf.len());
        match judge(conn.recv(&mut buf[..want]), discarded(budget))? {
            Ok(n) => budget -= n,
            Err(ending) => return Ok(ending),
        }
    }
    Ok(Ending::TooMuch {
        discarded: limits.max_discard,
    })
}
