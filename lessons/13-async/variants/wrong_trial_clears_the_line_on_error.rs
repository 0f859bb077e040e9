// WRONG: clears the line's buffer when read_line fails: unfinished() no longer shows the bytes of
// the refused line, which the lesson narrates.

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
        tokio::select! {
            _ = shutdown.recv() => Ok(Event::Shutdown),
            read = read_line(reader, &mut self.line) => match read {
                Ok(Some(line)) => {
                    self.deadline = None;
                    Ok(Event::Line(line))
                }
                Ok(None) => Ok(Event::Closed),
                Err(e) => {
                    self.line.clear();
                    Err(e)
                }
            },
            _ = sleep_until(deadline) => Ok(Event::TimedOut),
        }
    }
}
