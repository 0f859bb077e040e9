// WRONG: keeps the line and the deadline in the struct, but gives the line more time at each
// call that finds it has grown since the last one ("the client is still sending"). A caller
// that cancels often then extends the deadline again and again for a client that trickles
// bytes and never sends a newline.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::{timeout_at, Instant};

use crate::{read_line, Event};

pub struct LineWaiter {
    idle: Duration,
    line: Vec<u8>,
    deadline: Option<Instant>,
    /// How long the line was at the last call.
    seen: usize,
}

impl LineWaiter {
    pub fn new(idle: Duration) -> LineWaiter {
        LineWaiter {
            idle,
            line: Vec::new(),
            deadline: None,
            seen: 0,
        }
    }

    pub fn unfinished(&self) -> &[u8] {
        &self.line
    }

    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        if self.deadline.is_none() || self.line.len() > self.seen {
            self.deadline = Some(Instant::now() + self.idle);
        }
        self.seen = self.line.len();
        let deadline = self.deadline.unwrap_or_else(Instant::now);
        tokio::select! {
            read = timeout_at(deadline, read_line(reader, &mut self.line)) => match read {
                Err(_elapsed) => Ok(Event::TimedOut),
                Ok(Ok(Some(bytes))) => {
                    self.deadline = None;
                    self.seen = 0;
                    Ok(Event::Line(bytes))
                }
                Ok(Ok(None)) => Ok(Event::Closed),
                Ok(Err(e)) => Err(e),
            },
            _ = shutdown.recv() => Ok(Event::Shutdown),
        }
    }
}
