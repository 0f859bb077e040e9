// WRONG: `Ok(()) = shutdown.recv()` as the branch's pattern: when the sender is gone, recv()
// returns Err(Closed), the pattern does not match, and select! simply disables the branch.
// The server that dropped its sender to say "we are going away" is not heard: the wait goes
// on until the client speaks or `idle` passes.

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
        Ok(()) = shutdown.recv() => Ok(Event::Shutdown),
        read = timeout(idle, read_line(reader, line)) => match read {
            Err(_elapsed) => Ok(Event::TimedOut),
            Ok(Ok(Some(bytes))) => Ok(Event::Line(bytes)),
            Ok(Ok(None)) => Ok(Event::Closed),
            Ok(Err(e)) => Err(e),
        },
    }
}
