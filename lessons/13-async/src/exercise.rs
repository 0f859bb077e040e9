//! Lesson 13 exercise: wait for the next thing that happens on a connection.
//!
//! Check your work with:   cargo exercise lesson-13-async
//! Run your version with:  cargo run -p lesson-13-async --features exercise

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;
#[allow(unused_imports)] // You will need these.
use tokio::time::timeout;

#[allow(unused_imports)] // And this: the lesson's line reader, with its limit.
use super::read_line;

/// What happened next on a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A whole line arrived (with its `\n`).
    Line(Vec<u8>),
    /// The client closed its end (end of stream) between two lines.
    Closed,
    /// No whole line within `idle` (a silent client, or one that sends too slowly).
    TimedOut,
    /// The server is shutting down.
    Shutdown,
}

// ANCHOR: exercise
/// Wait for whichever comes first: a whole line from the client, `idle` passing without one
/// (silence, or bytes too slow to make a line), or the shutdown signal.
///
/// TODO: use `tokio::select!` with two branches:
///   - `timeout(idle, read_line(reader, line))`: `Err(_)` means no whole line in time, `Ok(Ok(Some(bytes)))`
///     a line, `Ok(Ok(None))` end of stream, `Ok(Err(e))` an error to return;
///   - `shutdown.recv()`: the shutdown signal (whatever it returns).
pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    let _ = (reader, line, shutdown, idle);
    todo!("select! between a line (with a timeout) and the shutdown signal")
}
// ANCHOR_END: exercise
