// WRONG: read_until with no take() limit, the length checked after it returns: a client that never
// sends a newline makes it buffer without end.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::{sleep_until, Instant};

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

    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + self.idle);
        tokio::select! {
            _ = shutdown.recv() => Ok(Event::Shutdown),
            read = reader.read_until(b'\n', &mut self.line) => {
                let n = read?;
                if self.line.len() > MAX_LINE {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
                }
                if self.line.ends_with(b"\n") {
                    self.deadline = None;
                    Ok(Event::Line(std::mem::take(&mut self.line)))
                } else if n == 0 && self.line.is_empty() {
                    Ok(Event::Closed)
                } else {
                    Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed mid-line"))
                }
            }
            _ = sleep_until(deadline) => Ok(Event::TimedOut),
        }
    }
}
