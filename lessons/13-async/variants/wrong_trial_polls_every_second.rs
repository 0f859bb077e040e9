// WRONG: a polling loop: try_recv for the signal, a look at the clock, then a timeout(1 s) of the
// read, and round again. It awaits, so nothing blocks, but the signal is seen up to a second late,
// and a silent client times out up to a second after `idle`.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::time::{timeout, Instant};

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
        loop {
            match shutdown.try_recv() {
                Ok(()) | Err(TryRecvError::Closed) | Err(TryRecvError::Lagged(_)) => {
                    return Ok(Event::Shutdown)
                }
                Err(TryRecvError::Empty) => {}
            }
            if Instant::now() >= deadline {
                return Ok(Event::TimedOut);
            }
            if let Ok(read) =
                timeout(Duration::from_secs(1), read_line(reader, &mut self.line)).await
            {
                return match read? {
                    Some(line) => {
                        self.deadline = None;
                        Ok(Event::Line(line))
                    }
                    None => Ok(Event::Closed),
                };
            }
        }
    }
}
