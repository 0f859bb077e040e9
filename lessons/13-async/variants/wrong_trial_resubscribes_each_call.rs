// WRONG: listens on shutdown.resubscribe(), a receiver made in each call: it gets only what is sent
// after the call began, so a signal sent while the caller was busy between two calls (answering a
// line) is never seen.

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
        // A receiver of its own for this call.
        let mut signal = shutdown.resubscribe();
        tokio::select! {
            _ = signal.recv() => Ok(Event::Shutdown),
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
