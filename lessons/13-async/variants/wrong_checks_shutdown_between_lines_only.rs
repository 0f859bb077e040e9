// WRONG: looks for the shutdown signal before waiting (try_recv), not while waiting: a silent
// client keeps its connection open until its idle limit, and the server's graceful shutdown
// waits for it.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;

use tokio::sync::broadcast::error::TryRecvError;
use tokio::time::timeout;

use crate::{read_line, Event};

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    if !matches!(shutdown.try_recv(), Err(TryRecvError::Empty)) {
        return Ok(Event::Shutdown);
    }
    match timeout(idle, read_line(reader, line)).await {
        Err(_elapsed) => Ok(Event::TimedOut),
        Ok(Ok(Some(bytes))) => Ok(Event::Line(bytes)),
        Ok(Ok(None)) => Ok(Event::Closed),
        Ok(Err(e)) => Err(e),
    }
}
