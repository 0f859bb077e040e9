// CORRECT, written differently: one `Sleep` per connection, pinned in the struct and reset at
// the first call for each line (no timer made per call); the idle limit is a third branch,
// the shutdown signal first (`biased;`), and the read's result is matched afterwards.

use std::io;
use std::pin::Pin;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::{sleep, Instant, Sleep};

use crate::{read_line, Event};

pub struct LineWaiter {
    idle: Duration,
    partial: Vec<u8>,
    /// Fires when the line in progress is late; `timing` says whether it is set for it.
    timer: Pin<Box<Sleep>>,
    timing: bool,
}

impl LineWaiter {
    pub fn new(idle: Duration) -> LineWaiter {
        LineWaiter {
            idle,
            partial: Vec::with_capacity(64),
            timer: Box::pin(sleep(idle)),
            timing: false,
        }
    }

    pub fn unfinished(&self) -> &[u8] {
        &self.partial
    }

    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        if !self.timing {
            self.timer.as_mut().reset(Instant::now() + self.idle);
            self.timing = true;
        }
        let read = tokio::select! {
            biased;
            _ = shutdown.recv() => return Ok(Event::Shutdown),
            () = self.timer.as_mut() => return Ok(Event::TimedOut),
            read = read_line(reader, &mut self.partial) => read?,
        };
        match read {
            Some(bytes) => {
                self.timing = false;
                Ok(Event::Line(bytes))
            }
            None => Ok(Event::Closed),
        }
    }
}
