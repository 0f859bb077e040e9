// WRONG: a polling loop instead of one wait for all three: look at the signal, give the read a
// millisecond, then std::thread::sleep a little before the next look. It awaits now and then,
// so other tasks tick a little; but for 20 ms of every 21 the thread is held, and every other
// connection on it waits as long.

use std::io;
use std::time::{Duration, Instant};

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast::{self, error::TryRecvError};
use tokio::time::timeout;

use crate::{read_line, Event};

pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    let started = Instant::now();
    let mut reading = Box::pin(read_line(reader, line));
    loop {
        if !matches!(shutdown.try_recv(), Err(TryRecvError::Empty)) {
            return Ok(Event::Shutdown);
        }
        if started.elapsed() >= idle {
            return Ok(Event::TimedOut);
        }
        match timeout(Duration::from_millis(1), &mut reading).await {
            Ok(Ok(Some(bytes))) => return Ok(Event::Line(bytes)),
            Ok(Ok(None)) => return Ok(Event::Closed),
            Ok(Err(e)) => return Err(e),
            Err(_not_yet) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
