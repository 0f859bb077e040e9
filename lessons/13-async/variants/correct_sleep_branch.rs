// CORRECT, written differently: the idle limit as a third branch (a pinned sleep), biased
// towards the shutdown signal, and the read's result matched afterwards.

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;

use crate::{read_line, Event};

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    let deadline = tokio::time::sleep(idle);
    tokio::pin!(deadline);
    let read = tokio::select! {
        biased;
        _ = shutdown.recv() => return Ok(Event::Shutdown),
        _ = &mut deadline => return Ok(Event::TimedOut),
        read = read_line(reader, line) => read?,
    };
    Ok(read.map_or(Event::Closed, Event::Line))
}
