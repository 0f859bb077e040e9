// Lesson 11's exercise: a limit on the connections served at once. Yours to write.
//
// Check it:       cargo exercise lesson-11-threads
// Stuck?          cargo hint lesson-11-threads      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-11-threads

use std::io;
use std::thread::{self, JoinHandle};

use common::Result;

#[allow(unused_imports)]
use crate::{handle, Connection, Shared};

// ANCHOR: exercise
/// The server's limit: at most `max` connections served at once. The accept loop asks it for
/// a `Pass` for each new connection; a connection that gets none is told `busy` and closed.
///
/// The contract (what the checks test):
/// - `try_enter` gives a `Pass` while fewer than `max` passes exist, and `None` when `max`
///   do, at once: it never waits for a place, not even briefly (the checks time 100 `None`s
///   in a row). Never more than `max` passes at once, even when many threads call
///   `try_enter` at the same moment, over and over (the checks make 32 threads do that for
///   three quarters of a second); and never `None` while fewer than `max` exist, whatever
///   another thread is doing at that moment: taking or dropping a pass, or being refused one
///   (the checks hold `max` - 1 passes and make threads race for the last place; a `None`
///   that no other thread's pass explains fails).
/// - `max` = 0 refuses everyone; any `max` up to `usize::MAX` works (2^32 + 1 included).
/// - Two `Limit`s are independent: each counts its own passes.
/// - One `Limit` is shared between threads (it must be `Send` and `Sync`).
pub struct Limit {
    // Yours: what it needs.
}

/// A place among the `max`: dropping it frees the place, ONCE, however it is dropped (at
/// the end of a scope, in an early return, or while a panic unwinds). It belongs to no
/// `Limit`'s lifetime: it may live in another thread, and longer than the `&Limit` it came
/// from (so it must be `Send + 'static`).
pub struct Pass {
    // Yours: what it needs.
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        let _ = max;
        todo!("a limit of max passes")
    }

    pub fn try_enter(&self) -> Option<Pass> {
        todo!("a pass, if there is room")
    }
}

/// Serve `conn` with `handle(conn, &tally)` in a thread of its own, made by `builder`, holding
/// `pass` for as long as that thread runs; return the thread's handle at once.
///
/// The contract (what the checks test):
/// - The thread is the one `builder` makes (the lesson names it `conn7`); its `join()` gives
///   what `handle` returned. Return at once, while the connection is still being served:
///   the accept loop waits for this call (the checks time 20 calls in a row).
/// - The place stays taken until the connection's thread ends, however it ends: `handle`
///   returns `Ok`, returns an error, or panics. Then it is free again, at once.
/// - If the thread cannot be made, return the error `builder` gave, as it is (its kind tells
///   the lesson why; do not panic, and make no thread some other way), and the place is free.
/// - Print nothing: the lesson narrates around your code.
pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
    pass: Pass,
) -> io::Result<JoinHandle<Result<()>>> {
    let _ = (builder, conn, tally, pass);
    todo!("start the connection's thread, with its pass")
}
// ANCHOR_END: exercise
