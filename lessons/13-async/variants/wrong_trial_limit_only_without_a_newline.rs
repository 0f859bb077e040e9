// WRONG: reads chunks of its own and checks the limit only while no newline is in sight: a line
// longer than MAX_LINE that arrives with its newline in one read is taken.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::TryRecvError;
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
        loop {
            // The signal first, even with lines waiting in the buffer.
            if !matches!(shutdown.try_recv(), Err(TryRecvError::Empty)) {
                return Ok(Event::Shutdown);
            }
            if let Some(at) = self.line.iter().position(|&b| b == b'\n') {
                let rest = self.line.split_off(at + 1);
                let line = std::mem::replace(&mut self.line, rest);
                self.deadline = None;
                return Ok(Event::Line(line));
            }
            if self.line.len() > MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::select! {
                _ = shutdown.recv() => return Ok(Event::Shutdown),
                _ = sleep_until(deadline) => return Ok(Event::TimedOut),
                n = reader.read(&mut chunk) => n?,
            };
            if n == 0 {
                if self.line.is_empty() {
                    return Ok(Event::Closed);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "closed mid-line",
                ));
            }
            self.line.extend_from_slice(&chunk[..n]);
        }
    }
}
