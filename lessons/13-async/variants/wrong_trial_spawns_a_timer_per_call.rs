// WRONG: the time limit as a task of its own, tokio::spawn(sleep_until(deadline)), awaited through
// its JoinHandle. Dropping a JoinHandle does not stop the task: every call leaves one behind, alive
// until the deadline, so a caller that cancels every 20 ms piles up a task per call for each line
// (1,500 for one line at --idle 30), and the events themselves look right.

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
        // The timer as a task of its own, awaited through its JoinHandle.
        let timer = tokio::spawn(sleep_until(deadline));
        tokio::select! {
            _ = shutdown.recv() => Ok(Event::Shutdown),
            read = read_line(reader, &mut self.line) => match read? {
                Some(line) => {
                    self.deadline = None;
                    Ok(Event::Line(line))
                }
                None => Ok(Event::Closed),
            },
            _ = timer => Ok(Event::TimedOut),
        }
    }
}
