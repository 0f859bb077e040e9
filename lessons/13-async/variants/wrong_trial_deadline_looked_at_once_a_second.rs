// WRONG: races the read against the signal, but looks at the deadline only once a second (a
// timeout(1 s) around the race, then a look at the clock): a silent client times out up to a
// second after `idle`.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
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
            if Instant::now() >= deadline {
                return Ok(Event::TimedOut);
            }
            let raced = timeout(Duration::from_secs(1), async {
                tokio::select! {
                    _ = shutdown.recv() => Ok(Event::Shutdown),
                    read = read_line(reader, &mut self.line) => match read? {
                        Some(line) => Ok(Event::Line(line)),
                        None => Ok(Event::Closed),
                    },
                }
            })
            .await;
            if let Ok(event) = raced {
                if matches!(event, Ok(Event::Line(_))) {
                    self.deadline = None;
                }
                return event;
            }
        }
    }
}
