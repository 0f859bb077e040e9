// Reference solution for lesson 11's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

// ANCHOR: solution
/// The server's limit: at most `max` connections served at once.
pub struct Limit {
    /// How many passes exist now. Shared with every pass (`Arc`), which may outlive `&self`
    /// and live in another thread.
    taken: Arc<AtomicUsize>,
    max: usize,
}

/// A place among the `max`; dropping it frees the place.
pub struct Pass {
    taken: Arc<AtomicUsize>,
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            taken: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        // Check and count in ONE atomic step: between a separate load and the add, another
        // thread could see the same count, and both would enter. fetch_update retries the
        // closure until no other thread changed the count in between. Relaxed is enough:
        // every change to `taken` is a read-modify-write, which always sees the latest value,
        // and no other memory is published through it.
        let room = |taken: usize| (taken < self.max).then_some(taken + 1);
        let entered = self
            .taken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, room);
        entered.ok().map(|_| Pass {
            taken: Arc::clone(&self.taken),
        })
    }
}

impl Drop for Pass {
    /// Runs once per pass, on every path: the end of a scope, `?`, a panic's unwinding.
    fn drop(&mut self) {
        self.taken.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serve `conn` in a thread of its own, holding `pass` until the thread ends.
pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
    pass: Pass,
) -> io::Result<JoinHandle<Result<()>>> {
    builder.spawn(move || {
        // A named binding: the closure owns the pass, and drops it when the thread ends.
        // (`let _ = pass;` would not even move it in: `_` binds nothing.)
        let _pass = pass;
        handle(conn, &tally)
    })
    // If the thread cannot be made, the closure is dropped here, and the pass with it.
}
// ANCHOR_END: solution
