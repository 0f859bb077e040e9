//! Lesson 11's exercise, and what it is given: a connection's thread serves it through a
//! [`Connection`] (the lesson's narrates each recv and send; the tests' one records them and
//! checks the lock), and all threads share one [`Tally`]. It prints nothing: the lesson
//! narrates around it, and the tests check what it does.

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
pub use exercise::{handle, spawn_handler};

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
