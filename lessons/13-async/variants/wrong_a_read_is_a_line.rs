// WRONG: like the notes' `await reader.read(100)`, takes whatever one read() returns as "the
// line": half a line, or two lines at once.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio::io::AsyncReadExt;
use tokio::time::timeout_at;

use crate::Event;

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
        let mut buf = [0u8; 100];
        tokio::select! {
            read = timeout_at(deadline, reader.read(&mut buf)) => match read {
                Err(_elapsed) => Ok(Event::TimedOut),
                Ok(Ok(0)) => Ok(Event::Closed),
                Ok(Ok(n)) => {
                    self.deadline = None;
                    Ok(Event::Line(buf[..n].to_vec()))
                }
                Ok(Err(e)) => Err(e),
            },
            _ = shutdown.recv() => Ok(Event::Shutdown),
        }
    }
}
