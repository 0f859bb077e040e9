// WRONG: reads the line itself, with the limit, but takes the end of stream in the middle of a
// line for a line: the half line the client sent before it went away comes back as data.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncReadExt};
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
        let deadline = self.deadline();
        let line = &mut self.line;
        let read = async {
            loop {
                let room = (MAX_LINE + 1).saturating_sub(line.len()) as u64;
                let n = (&mut *reader).take(room).read_until(b'\n', line).await?;
                if n == 0 && line.is_empty() {
                    return Ok(None);
                }
                if n == 0 || line.ends_with(b"\n") {
                    return Ok(Some(std::mem::take(line)));
                }
                if line.len() > MAX_LINE {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
                }
            }
        };
        let event = tokio::select! {
            _ = shutdown.recv() => return Ok(Event::Shutdown),
            r = timeout_at(deadline, read) => match r {
                Err(_) => return Ok(Event::TimedOut),
                Ok(Ok(Some(l))) => Event::Line(l),
                Ok(Ok(None)) => return Ok(Event::Closed),
                Ok(Err(e)) => return Err(e),
            },
        };
        self.deadline = None;
        Ok(event)
    }
}
