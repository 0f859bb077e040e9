// Lesson 13's exercise: wait for the next thing that happens on a connection, in a way that
// survives being cancelled. Yours to write.
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
/// One connection's waiting state: what must outlive one call of `next_event`. The fields are
/// yours to choose.
pub struct LineWaiter {}

impl LineWaiter {
    /// A waiter for a fresh connection: nothing read yet. Each line must arrive whole within
    /// `idle`.
    pub fn new(idle: Duration) -> LineWaiter {
        let _ = idle;
        todo!("the waiting state of a fresh connection")
    }

    /// The bytes of the line in progress: read from the client, not yet returned in a
    /// `Event::Line` (empty between lines). Also after the wait ended without the line (time
    /// limit, signal) or with a read error: after a line too long, the bytes read of it (more
    /// than MAX_LINE); after the client went away in the middle of a line, that half line.
    pub fn unfinished(&self) -> &[u8] {
        todo!("the line so far")
    }

    /// Wait for whichever comes first on this connection, and say which.
    ///
    /// The contract (what the checks test):
    /// - A whole line (with its `\n`, at most MAX_LINE bytes: `read_line` reads one):
    ///   `Event::Line(bytes)`, exactly the bytes sent, UTF-8 or not. However the bytes arrive:
    ///   in pieces, or several lines in one packet (each call returns the next one). A longer
    ///   line is an error (below), even when it arrives whole, its `\n` in the same packet.
    /// - The client closed its end between two lines: `Event::Closed`.
    /// - `idle` has passed without a WHOLE line: `Event::TimedOut`, when it passes (not at a
    ///   later look at the clock). A line's time starts at the first call that waits for it
    ///   (the first call after `new`, or after the call that returned the previous line), and
    ///   nothing restarts it, not even the line's first byte. It limits the whole line, not each
    ///   read: a client that sends a byte every 10 ms, never a newline, times out after `idle`
    ///   too.
    /// - The shutdown signal (`shutdown` receives, or its sender is gone): `Event::Shutdown` at
    ///   once, even while the client is silent: when it comes during a call, that call ends
    ///   (woken by the signal, not at a later look at it); when it came between two calls, the
    ///   next call returns it. A client that keeps sending lines cannot hold it off: with the
    ///   signal there and lines waiting (in the kernel, or read already), it comes out within a
    ///   few calls.
    /// - A read error (a line too long, the client gone in the middle of a line): return it.
    ///
    /// The caller may CANCEL a call: drop its future at any await, before it returns (its own
    /// `select!` had another branch win), and then call again, as often as every 20 ms:
    /// - Nothing read is lost: the next call goes on with the line where the dropped one left
    ///   it, and `unfinished()` shows the bytes so far at any time.
    /// - The time limit survives: a line's `idle` counts from the first call that waited for
    ///   it, not from the latest. A client that stays silent times out after `idle` even if
    ///   every call is dropped after 20 ms.
    /// - A dropped call leaves nothing running behind it (no task of its own alive after it).
    ///
    /// And always:
    /// - While it waits, every other task on the same thread goes on: nothing in it may block
    ///   the thread.
    /// - Print nothing: the lesson narrates around your function.
    pub async fn next_event(
        &mut self,
        reader: &mut BufReader<OwnedReadHalf>,
        shutdown: &mut broadcast::Receiver<()>,
    ) -> io::Result<Event> {
        let _ = (reader, shutdown);
        todo!("a line (in time), the time limit or the shutdown signal, whichever comes first")
    }
}
// ANCHOR_END: exercise
