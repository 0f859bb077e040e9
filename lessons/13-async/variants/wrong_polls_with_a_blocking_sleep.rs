// WRONG: a polling loop instead of one wait for all three: look at the signal, give the read a
// millisecond, then std::thread::sleep a little before the next look. It awaits now and then,
// so other tasks tick a little; but for 20 ms of every 21 the thread is held, and every other
// connection on it waits as long.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::time::timeout;

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
        let mut reading = Box::pin(read_line(reader, &mut self.line));
        let event = loop {
            if !matches!(shutdown.try_recv(), Err(TryRecvError::Empty)) {
                return Ok(Event::Shutdown);
            }
            if Instant::now() >= deadline {
                return Ok(Event::TimedOut);
            }
            match timeout(Duration::from_millis(1), &mut reading).await {
                Ok(Ok(Some(bytes))) => break Event::Line(bytes),
                Ok(Ok(None)) => return Ok(Event::Closed),
                Ok(Err(e)) => return Err(e),
                Err(_not_yet) => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        drop(reading);
        self.deadline = None;
        Ok(event)
    }
}
