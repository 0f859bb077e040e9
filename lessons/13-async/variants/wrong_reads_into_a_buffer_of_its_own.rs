// WRONG: keeps the deadline in the struct, but reads the line into a buffer local to the call:
// when the caller drops the call half-way (or the limit or the signal ends it), the bytes read
// so far go with it. The next call starts the line again from the middle.

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
        let mut mine = Vec::new();
        tokio::select! {
            read = timeout_at(deadline, read_line(reader, &mut mine)) => match read {
                Err(_elapsed) => Ok(Event::TimedOut),
                Ok(Ok(Some(bytes))) => {
                    self.deadline = None;
                    Ok(Event::Line(bytes))
                }
                Ok(Ok(None)) => Ok(Event::Closed),
                Ok(Err(e)) => Err(e),
            },
            _ = shutdown.recv() => Ok(Event::Shutdown),
        }
    }
}
