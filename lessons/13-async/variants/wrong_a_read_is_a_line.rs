// WRONG: like the notes' `await reader.read(100)`, takes whatever one read() returns as "the
// line": half a line, or two lines at once.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use crate::Event;

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    _line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    let mut buf = [0u8; 100];
    tokio::select! {
        read = timeout(idle, reader.read(&mut buf)) => match read {
            Err(_elapsed) => Ok(Event::TimedOut),
            Ok(Ok(0)) => Ok(Event::Closed),
            Ok(Ok(n)) => Ok(Event::Line(buf[..n].to_vec())),
            Ok(Err(e)) => Err(e),
        },
        _ = shutdown.recv() => Ok(Event::Shutdown),
    }
}
