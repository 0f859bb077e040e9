// WRONG: looks for the shutdown signal before waiting (try_recv), not while waiting: a silent
// client keeps its connection open until its idle limit, and the server's graceful shutdown
// waits for it.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio::sync::broadcast::error::TryRecvError;
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
        if !matches!(shutdown.try_recv(), Err(TryRecvError::Empty)) {
            return Ok(Event::Shutdown);
        }
        let deadline = self.deadline();
        match timeout_at(deadline, read_line(reader, &mut self.line)).await {
            Err(_elapsed) => Ok(Event::TimedOut),
            Ok(Ok(Some(bytes))) => {
                self.deadline = None;
                Ok(Event::Line(bytes))
            }
            Ok(Ok(None)) => Ok(Event::Closed),
            Ok(Err(e)) => Err(e),
        }
    }
}
