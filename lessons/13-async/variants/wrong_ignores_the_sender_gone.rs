// WRONG: `Ok(()) = shutdown.recv()` as the branch's pattern: when the sender is gone, recv()
// returns Err(Closed), the pattern does not match, and select! simply disables the branch.
// The server that dropped its sender to say "we are going away" is not heard: the wait goes
// on until the client speaks or `idle` passes.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio::time::timeout_at;

use crate::{read_line, Event};

pub struct LineWaiter {
    idle: Duration,
    line: Vec<u8>,
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

    /// The deadline of the line in progress, set by the first call that waits for it.
    fn deadline(&mut self) -> Instant {
        *self
            .deadline
            .get_or_insert_with(|| Instant::now() + self.idle)
    }

    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        let deadline = self.deadline();
        tokio::select! {
            Ok(()) = shutdown.recv() => Ok(Event::Shutdown),
            read = timeout_at(deadline, read_line(reader, &mut self.line)) => match read {
                Err(_elapsed) => Ok(Event::TimedOut),
                Ok(Ok(Some(bytes))) => {
                    self.deadline = None;
                    Ok(Event::Line(bytes))
                }
                Ok(Ok(None)) => Ok(Event::Closed),
                Ok(Err(e)) => Err(e),
            },
        }
    }
}
