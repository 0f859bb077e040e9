// WRONG: counts MAX_LINE without the newline (read_line with MAX_LINE + 1): a line of MAX_LINE + 2
// bytes, its newline included, is taken whole when it should be refused.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::{sleep_until, Instant};

use crate::{read_line, Event, MAX_LINE};

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
            // MAX_LINE bytes of text, and then its newline.
            read = line_of(reader, &mut self.line, MAX_LINE + 1) => match read? {
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

async fn line_of(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<Vec<u8>>> {
    common::lines::read_line(reader, line, max).await
}
