// WRONG: keeps the line in the struct, but puts the time limit on each call: `timeout(idle, …)`
// starts a new limit every time next_event is called. A caller that drops the call and calls
// again (its select! had another branch win) starts the clock again each time: a silent client
// never times out.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio::time::timeout;

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
        let _ = self.deadline();
        tokio::select! {
            read = timeout(self.idle, read_line(reader, &mut self.line)) => match read {
                Err(_elapsed) => Ok(Event::TimedOut),
                Ok(Ok(Some(bytes))) => Ok(Event::Line(bytes)),
                Ok(Ok(None)) => Ok(Event::Closed),
                Ok(Err(e)) => Err(e),
            },
            _ = shutdown.recv() => Ok(Event::Shutdown),
        }
    }
}
