// WRONG: finishes the line first, ignoring the signal, whenever bytes are already buffered: a
// client that keeps sending holds off the shutdown.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::{sleep_until, Instant};

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

    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + self.idle);
        if !reader.buffer().is_empty() || !self.line.is_empty() {
            // Bytes are here: finish the line first, the signal can wait a moment.
            let read = tokio::select! {
                _ = sleep_until(deadline) => return Ok(Event::TimedOut),
                read = read_line(reader, &mut self.line) => read?,
            };
            return match read {
                Some(line) => {
                    self.deadline = None;
                    Ok(Event::Line(line))
                }
                None => Ok(Event::Closed),
            };
        }
        tokio::select! {
            _ = shutdown.recv() => Ok(Event::Shutdown),
            read = read_line(reader, &mut self.line) => match read? {
                Some(line) => {
                    self.deadline = None;
                    Ok(Event::Line(line))
                }
                None => Ok(Event::Closed),
            },
            _ = sleep_until(deadline) => Ok(Event::TimedOut),
        }
    }
}
