// WRONG: the idle limit on each read, not on the whole line: a client that sends a byte just
// before each limit would pass, never sends a newline, and holds its task (and its memory, up
// to the line limit) for as long as it likes.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use crate::{Event, MAX_LINE};

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    loop {
        if let Some(end) = line.iter().position(|&b| b == b'\n') {
            return Ok(Event::Line(line.drain(..=end).collect()));
        }
        if line.len() > MAX_LINE {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
        let mut byte = [0u8; 1];
        tokio::select! {
            read = timeout(idle, reader.read(&mut byte)) => match read {
                Err(_elapsed) => return Ok(Event::TimedOut),
                Ok(Ok(0)) if line.is_empty() => return Ok(Event::Closed),
                Ok(Ok(0)) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(Ok(_)) => line.push(byte[0]),
                Ok(Err(e)) => return Err(e),
            },
            _ = shutdown.recv() => return Ok(Event::Shutdown),
        }
    }
}
