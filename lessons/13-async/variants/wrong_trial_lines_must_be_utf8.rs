// WRONG: takes a line for text and refuses one that is not UTF-8 (String::from_utf8, InvalidData):
// the lines are bytes, and a client writing Latin-1 (b"caf\xe9\n") is cut off for a line the server
// would have answered.

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
            read = read_line(reader, &mut self.line) => match read? {
                Some(line) => {
                    self.deadline = None;
                    // A line is text: check it before handing it on.
                    let text = String::from_utf8(line)
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                    Ok(Event::Line(text.into_bytes()))
                }
                None => Ok(Event::Closed),
            },
            _ = sleep_until(deadline) => Ok(Event::TimedOut),
        }
    }
}
