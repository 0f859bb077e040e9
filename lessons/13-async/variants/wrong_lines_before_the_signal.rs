// WRONG: `biased;` with the read first, "to answer what the client already sent": as long as
// lines are waiting, the signal branch is never even looked at, so a client that keeps
// sending holds its connection open through the server's shutdown.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::timeout;

use crate::{read_line, Event};

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    tokio::select! {
        biased;
        read = timeout(idle, read_line(reader, line)) => match read {
            Err(_elapsed) => Ok(Event::TimedOut),
            Ok(Ok(Some(bytes))) => Ok(Event::Line(bytes)),
            Ok(Ok(None)) => Ok(Event::Closed),
            Ok(Err(e)) => Err(e),
        },
        _ = shutdown.recv() => Ok(Event::Shutdown),
    }
}
