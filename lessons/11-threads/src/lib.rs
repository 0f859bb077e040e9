//! Lesson 11's exercise, and what it is given. A connection's thread serves it through a
//! [`Connection`] (the lesson's narrates each recv and send; the tests' one plays a client)
//! with [`handle`], and all threads share one [`Tally`]. The exercise is the server's limit
//! on connections served at once: a `Limit` that hands out a `Pass` per connection, and
//! `spawn_handler`, which starts a connection's thread with its pass. It prints nothing: the
//! lesson narrates around it, and the tests check what it does.

use std::sync::{Arc, Mutex};

use common::Result;

// The functions you write: src/exercise.rs is yours (`cargo exercise lesson-11-threads` checks
// them), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::{spawn_handler, Limit, Pass};

// ANCHOR: shared
/// What all connections share. Two numbers that must change together: that is what a Mutex
/// is for (a single counter could be an `AtomicU64`).
#[derive(Debug, Default)]
pub struct Tally {
    pub lines: u64,
    pub bytes: u64,
}

impl Tally {
    /// Count one answered line.
    pub fn count(&mut self, line: &[u8]) {
        self.lines += 1;
        self.bytes += line.len() as u64;
    }
}

/// One tally for the whole server: `Arc` so that every thread owns a handle to it, `Mutex` so
/// that only one thread at a time changes it.
pub type Shared = Arc<Mutex<Tally>>;
// ANCHOR_END: shared

// ANCHOR: connection
/// One client's connection, as its thread sees it. Both calls wait, and only this thread
/// waits: for as long as the client takes (within the connection's time limits).
pub trait Connection {
    /// The next line from the client, with its `\n`; `None` once the client has closed its
    /// side. Waits until a whole line has arrived.
    fn recv_line(&mut self) -> Result<Option<Vec<u8>>>;

    /// Send all of `bytes` to the client. Waits while the client's buffers are full (while it
    /// does not read).
    fn send_all(&mut self, bytes: &[u8]) -> Result<()>;

    /// Close the connection: the client reads the end of the stream.
    fn close(self);
}
// ANCHOR_END: connection

// ANCHOR: handle
/// Serve one connection: answer each line with the same line in upper case, and count it in
/// the tally, until the client closes its side. An error from the connection ends it.
pub fn handle(mut conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    while let Some(line) = conn.recv_line()? {
        // Lock, count, unlock, in one statement: the guard is dropped at the `;`. Never keep
        // the lock across recv or send, which wait for as long as the client likes.
        tally.lock().unwrap_or_else(|e| e.into_inner()).count(&line);
        conn.send_all(&line.to_ascii_uppercase())?;
    }
    conn.close();
    Ok(())
}
// ANCHOR_END: handle

/// What a client the server cannot take now receives, before the server closes: the limit
/// on connections served at once is reached (`--max`).
pub const BUSY: &[u8] = b"busy\n";
