// WRONG: gives the silence before a line idle, and then the line idle again from its first byte: a
// client that waits almost idle and then trickles holds its connection for nearly twice idle.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
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
        if self.line.is_empty() {
            // Silence before the line: `idle` from the first call.
            tokio::select! {
                _ = shutdown.recv() => return Ok(Event::Shutdown),
                _ = sleep_until(deadline) => return Ok(Event::TimedOut),
                got = reader.fill_buf() => {
                    if got?.is_empty() {
                        return Ok(Event::Closed);
                    }
                }
            }
            // The line begins: it gets `idle` of its own, from its first byte.
            self.deadline = Some(Instant::now() + self.idle);
        }
        let deadline = self.deadline.unwrap_or(deadline);
        tokio::select! {
            _ = shutdown.recv() => Ok(Event::Shutdown),
            _ = sleep_until(deadline) => Ok(Event::TimedOut),
            read = read_line(reader, &mut self.line) => match read? {
                Some(line) => {
                    self.deadline = None;
                    Ok(Event::Line(line))
                }
                None => Ok(Event::Closed),
            },
        }
    }
}
