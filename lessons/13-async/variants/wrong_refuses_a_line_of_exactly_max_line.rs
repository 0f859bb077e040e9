// WRONG: reads the line itself, and refuses a line once it holds MAX_LINE bytes (`>=`): a line
// of exactly MAX_LINE bytes, its newline included, is within the limit and is refused.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;

use crate::{Event, MAX_LINE};

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    let read = async {
        loop {
            let room = (MAX_LINE + 1 - line.len()) as u64;
            let n = (&mut *reader).take(room).read_until(b'\n', line).await?;
            if n == 0 && line.is_empty() {
                return Ok(None);
            }
            if line.len() >= MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
            }
            if line.ends_with(b"\n") {
                return Ok(Some(std::mem::take(line)));
            }
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    };
    tokio::select! {
        _ = shutdown.recv() => Ok(Event::Shutdown),
        r = tokio::time::timeout(idle, read) => match r {
            Err(_) => Ok(Event::TimedOut),
            Ok(Ok(Some(l))) => Ok(Event::Line(l)),
            Ok(Ok(None)) => Ok(Event::Closed),
            Ok(Err(e)) => Err(e),
        },
    }
}
