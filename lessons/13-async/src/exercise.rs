// Lesson 13's exercise: wait for the next thing that happens on a connection. Yours to write.
//
// Check it:       cargo exercise lesson-13-async
// Stuck?          cargo hint lesson-13-async      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-13-async

use std::io;
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::broadcast;

#[allow(unused_imports)]
use crate::{read_line, Event};

// ANCHOR: exercise
/// Wait for whichever comes first on this connection, and say which.
///
/// The contract (what the checks test):
/// - A whole line (with its `\n`, at most MAX_LINE bytes: `read_line` reads one):
///   `Event::Line(bytes)`. However the bytes arrive: in pieces, or several lines in one
///   packet (the next call gets the next line).
/// - The client closed its end between two lines: `Event::Closed`.
/// - `idle` has passed without a WHOLE line: `Event::TimedOut`. It limits the whole line, not
///   each read: a client that sends one byte at a time, never a newline, times out too.
/// - The shutdown signal (`shutdown` receives, or its sender is gone): `Event::Shutdown` at
///   once, even while the client is silent. A client that keeps sending lines cannot hold it
///   off: with the signal there and lines waiting, it comes out within a few calls.
/// - When the wait ends in the middle of a line (the idle limit, the signal), the bytes of
///   the unfinished line are left in `line`: nothing read is lost.
/// - A read error (a line too long, the client gone in the middle of a line): return it.
/// - While it waits, every other task on the same thread goes on: nothing in it may block the
///   thread.
/// - Print nothing: the lesson narrates around your function.
pub async fn next_event(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
    shutdown: &mut broadcast::Receiver<()>,
    idle: Duration,
) -> io::Result<Event> {
    let _ = (reader, line, shutdown, idle);
    todo!("wait for a line (in time) or the shutdown signal, whichever comes first")
}
// ANCHOR_END: exercise
