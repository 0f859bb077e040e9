// Reference solution for lesson 13's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::{timeout_at, Instant};

use crate::{read_line, Event};

// ANCHOR: solution
/// What must outlive one call of `next_event`: the line so far, and the deadline for it.
pub struct LineWaiter {
    idle: Duration,
    /// The bytes of the line in progress: `read_line` adds to it, even in a call that is
    /// dropped half-way.
    line: Vec<u8>,
    /// When the line in progress must be whole. `None`: nobody has waited for it yet.
    deadline: Option<Instant>,
}

impl LineWaiter {
    pub fn new(idle: Duration) -> LineWaiter {
        LineWaiter {
            idle,
            line: Vec::new(),
            deadline: None,
        }
    }

    pub fn unfinished(&self) -> &[u8] {
        &self.line
    }

    /// Wait for whichever comes first: a whole line from the client, the deadline for it
    /// (silence, or bytes too slow to make a line), or the shutdown signal.
    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        // The first call for this line sets the deadline; a call after a cancelled one keeps it.
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + self.idle);
        tokio::select! {
            // read_line keeps a half-read line in self.line: dropping this branch loses nothing.
            read = timeout_at(deadline, read_line(reader, &mut self.line)) => match read {
                Err(_elapsed) => Ok(Event::TimedOut),
                Ok(Ok(Some(bytes))) => {
                    // A whole line: the next one gets a deadline of its own, from the next call.
                    self.deadline = None;
                    Ok(Event::Line(bytes))
                }
                Ok(Ok(None)) => Ok(Event::Closed),
                Ok(Err(e)) => Err(e),
            },
            // The signal, or the sender is gone (Closed): either way, stop.
            _ = shutdown.recv() => Ok(Event::Shutdown),
        }
    }
}
// ANCHOR_END: solution
