// WRONG: the idle limit as a branch that calls std::thread::sleep until the deadline: a
// blocking call inside an async task. When select! polls it, the whole thread sleeps: no other
// task runs meanwhile, and a line that arrives during the sleep is not seen until it ends.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;

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
        tokio::select! {
            biased;
            _ = shutdown.recv() => Ok(Event::Shutdown),
            read = read_line(reader, &mut self.line) => match read? {
                Some(bytes) => {
                    self.deadline = None;
                    Ok(Event::Line(bytes))
                }
                None => Ok(Event::Closed),
            },
            _ = async { std::thread::sleep(deadline - Instant::now()) } => Ok(Event::TimedOut),
        }
    }
}
