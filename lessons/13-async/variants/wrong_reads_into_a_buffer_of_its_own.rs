// WRONG: reads the line into a buffer of its own instead of `line`: when the idle limit or
// the signal ends the wait in the middle of a line, the dropped read takes the bytes read so
// far with it, and the caller's `line` is empty (the lesson's narration of a refused line, and
// anything else that looks at it, sees nothing).

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::timeout;

use crate::{read_line, Event};

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    _line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    let mut mine = Vec::new();
    tokio::select! {
        read = timeout(idle, read_line(reader, &mut mine)) => match read {
            Err(_elapsed) => Ok(Event::TimedOut),
            Ok(Ok(Some(bytes))) => Ok(Event::Line(bytes)),
            Ok(Ok(None)) => Ok(Event::Closed),
            Ok(Err(e)) => Err(e),
        },
        _ = shutdown.recv() => Ok(Event::Shutdown),
    }
}
