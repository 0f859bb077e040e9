// WRONG: a "last activity" timer: the deadline moves on each time bytes arrive, not once per
// line. A client that sends a byte every few milliseconds, never a newline, never times out,
// and holds its task (and up to MAX_LINE bytes) for as long as it likes.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio::io::AsyncReadExt;
use tokio::time::timeout_at;

use crate::{Event, MAX_LINE};

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
        loop {
            if let Some(end) = self.line.iter().position(|&b| b == b'\n') {
                self.deadline = None;
                return Ok(Event::Line(self.line.drain(..=end).collect()));
            }
            if self.line.len() > MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            let deadline = self.deadline();
            let mut byte = [0u8; 1];
            tokio::select! {
                read = timeout_at(deadline, reader.read(&mut byte)) => match read {
                    Err(_elapsed) => return Ok(Event::TimedOut),
                    Ok(Ok(0)) if self.line.is_empty() => return Ok(Event::Closed),
                    Ok(Ok(0)) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(Ok(_)) => {
                        self.line.push(byte[0]);
                        // A sign of life: more time for the line.
                        self.deadline = Some(Instant::now() + self.idle);
                    }
                    Ok(Err(e)) => return Err(e),
                },
                _ = shutdown.recv() => return Ok(Event::Shutdown),
            }
        }
    }
}
