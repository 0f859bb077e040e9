// WRONG: keeps a String in the struct and reads into it with tokio's
// AsyncBufReadExt::read_line, which looks like read_until's twin but is not cancel-safe (its
// docs: "some data may have been partially read, and this data is lost"; today it leaves the
// string empty). A call dropped in the middle of a line takes the line's start with it.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::{timeout_at, Instant};

use crate::{Event, MAX_LINE};

pub struct LineWaiter {
    idle: Duration,
    text: String,
    deadline: Option<Instant>,
}

impl LineWaiter {
    pub fn new(idle: Duration) -> LineWaiter {
        LineWaiter {
            idle,
            text: String::new(),
            deadline: None,
        }
    }

    pub fn unfinished(&self) -> &[u8] {
        self.text.as_bytes()
    }

    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + self.idle);
        let text = &mut self.text;
        let read = async {
            loop {
                let room = (MAX_LINE + 1).saturating_sub(text.len()) as u64;
                let n = (&mut *reader).take(room).read_line(text).await?;
                if text.ends_with('\n') {
                    return Ok(Some(std::mem::take(text).into_bytes()));
                }
                if text.len() > MAX_LINE {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
                }
                if n == 0 && text.is_empty() {
                    return Ok(None);
                }
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
            }
        };
        let event = tokio::select! {
            read = timeout_at(deadline, read) => match read {
                Err(_elapsed) => return Ok(Event::TimedOut),
                Ok(Ok(Some(bytes))) => Event::Line(bytes),
                Ok(Ok(None)) => return Ok(Event::Closed),
                Ok(Err(e)) => return Err(e),
            },
            _ = shutdown.recv() => return Ok(Event::Shutdown),
        };
        self.deadline = None;
        Ok(event)
    }
}
