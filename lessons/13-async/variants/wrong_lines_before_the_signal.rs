// WRONG: `biased;` with the read first, "to answer what the client already sent": as long as
// lines are waiting, the signal branch is never even looked at, so a client that keeps
// sending holds its connection open through the server's shutdown.

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
            biased;
            read = timeout_at(deadline, read_line(reader, &mut self.line)) => match read {
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
