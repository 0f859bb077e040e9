// Reference solution for lesson 13's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
use tokio::time::timeout;

use crate::{read_line, Event};

// ANCHOR: solution
/// Wait for whichever comes first: a whole line from the client, `idle` passing without one
/// (silence, or bytes too slow to make a line), or the shutdown signal.
pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    tokio::select! {
        // read_line keeps a half-read line in `line`, so losing this race loses no bytes.
        read = timeout(idle, read_line(reader, line)) => match read {
            Err(_elapsed) => Ok(Event::TimedOut),
            Ok(Ok(Some(bytes))) => Ok(Event::Line(bytes)),
            Ok(Ok(None)) => Ok(Event::Closed),
            Ok(Err(e)) => Err(e),
        },
        // The signal, or the sender is gone (Closed): either way, stop.
        _ = shutdown.recv() => Ok(Event::Shutdown),
    }
}
// ANCHOR_END: solution
