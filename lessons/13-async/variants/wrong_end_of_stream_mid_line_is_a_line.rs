// WRONG: reads the line itself, with the limit, but takes the end of stream in the middle of a
// line for a line: the half line the client sent before it went away comes back as data.

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
            if n == 0 || line.ends_with(b"\n") {
                return Ok(Some(std::mem::take(line)));
            }
            if line.len() > MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
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
