// WRONG: the idle limit as a branch that calls std::thread::sleep: a blocking call inside an
// async task. When select! polls it, the whole thread sleeps: no other task runs meanwhile,
// and a line that arrives during the sleep is not seen until it ends.

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
    tokio::select! {
        biased;
        _ = shutdown.recv() => Ok(Event::Shutdown),
        read = read_line(reader, line) => match read? {
            Some(bytes) => Ok(Event::Line(bytes)),
            None => Ok(Event::Closed),
        },
        _ = async { std::thread::sleep(idle) } => Ok(Event::TimedOut),
    }
}
